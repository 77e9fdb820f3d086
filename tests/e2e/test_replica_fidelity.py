"""The replica in real Chromium, read with the reference's selectors, era by era."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import sync_playwright

from kenny_wa.replica import ReplicaServer

pytestmark = pytest.mark.e2e

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/140.0.0.0 Safari/537.36")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
FAST = {"loading_ms": 200, "boot_ms": 30, "poll_ms": 150}
MSG_NODES = "#main [data-id]"
FIBER_JS = """el => { const k = Object.keys(el).find(k => k.startsWith('__reactFiber$'));
  let f = el[k]; while (f) { if (f.memoizedProps && f.memoizedProps.chat) return f.memoizedProps.chat.id._serialized; f = f.return; } return null; }"""


def title_spans(era: str) -> str:
    inner = "[data-testid='cell-frame-title'] span[title]" if era == "p6" else "._ak8q span[title]"
    return f"{chat_rows(era)} {inner}"


def chat_rows(era: str) -> str:
    return '#pane-side [role="row"][data-testid^="list-item-"]' if era == "p6" else '#pane-side [role="listitem"]'


@pytest.fixture
def pw():
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(pw):
    b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[*ARGS, f"--user-agent={UA}"])
    yield b
    b.close()


def new_page(browser, **kw):
    kw.setdefault("viewport", {"width": 1280, "height": 800})
    ctx = browser.new_context(user_agent=kw.pop("user_agent", UA), timezone_id="UTC", **kw)
    return ctx.new_page()


def login(page, server):
    page.goto(server.url)
    page.wait_for_selector("div[data-ref] canvas")
    server.pair()
    try:
        page.wait_for_selector("#pane-side", timeout=8000)
    except Exception as e:
        st = server.state
        raise AssertionError(f"no main: {page.inner_text('body')[:300]!r} pending={st.pending_pair} qr={st.qr_clients} issued={st.issued}") from e


def open_chat(page, era, title):
    selector = f'#pane-side ._ak8q span[title="\u202a{title}\u202c"]'
    for _ in range(40):
        if page.locator(selector).count():
            page.locator(selector).first.click()
            page.wait_for_selector(MSG_NODES)
            return
        page.eval_on_selector("#pane-side", "el => el.scrollTop += 400")
        page.wait_for_timeout(50)
    raise AssertionError(f"chat {title!r} not found")


@pytest.fixture(scope="module", params=["p6", "p5", "p4"])
def era_server(request):
    with ReplicaServer(scenario="default", era=request.param, seed=1, latency_ms=0, **FAST) as r:
        r.era = request.param
        yield r


@pytest.fixture(scope="module")
def auth_server():
    with ReplicaServer(scenario="small", era="p6", seed=2, latency_ms=0, **FAST) as r:
        yield r


def coverage_chat(gt):
    mid = next(m for m in gt["messages"] if m["content_snippet"] == "Emoji check 👍 and ❤️ in one line 🎉")
    return next(c for c in gt["chats"] if c["thread_external_id"] == mid["thread_external_id"])


# --- chat list --------------------------------------------------------------------------------
@pytest.mark.slow
def test_chat_list_virtualised_with_fiber_ids(browser, era_server):
    era = era_server.era
    gt = era_server.ground_truth()
    page = new_page(browser)
    login(page, era_server)
    grid = page.locator('#pane-side div[role="grid"][aria-label="Chat list"]')
    visible = [c for c in gt["chats"] if not c["archived"]]
    assert grid.get_attribute("aria-rowcount") == str(len(visible))
    assert (grid.get_attribute("data-testid") == "chat-list") == (era == "p6")
    rows = page.locator(chat_rows(era))
    assert 0 < rows.count() < len(visible)  # virtualised
    assert page.locator("#pane-side [aria-label='Archived']").count() == 1
    titles = page.eval_on_selector_all(title_spans(era), "els => els.map(e => e.title)")
    assert all(t.startswith("\u202a") and t.endswith("\u202c") for t in titles)
    expected = [c["title"] for c in visible[: len(titles)]]
    assert [t.strip("\u202a\u202c") for t in titles] == expected
    cells = page.locator("#pane-side [data-testid='cell-frame-container']" if era == "p6" else "#pane-side ._ak72")
    ids = [cells.nth(i).evaluate(FIBER_JS) for i in range(min(5, cells.count()))]
    assert ids == [c["thread_external_id"] for c in visible[: len(ids)]]
    if era == "p6":
        assert page.locator("#pane-side [data-testid='cell-frame-primary-detail']").count() == rows.count()
        assert page.locator("#pane-side [data-testid='last-msg-status'][title]").count() == rows.count()
    assert page.locator("#main").count() == 0
    page.context.close()


# --- conversation ------------------------------------------------------------------------------
def test_conversation_markers(browser, era_server):
    era = era_server.era
    gt = era_server.ground_truth()
    chat = coverage_chat(gt)
    page = new_page(browser, locale="en-US", viewport={"width": 1280, "height": 1600})
    login(page, era_server)
    open_chat(page, era, chat["title"])
    page.wait_for_timeout(100)
    jid = chat["thread_external_id"]
    assert page.locator("#main header").evaluate(FIBER_JS) == jid
    if era == "p6":
        assert page.locator('header[data-testid="conversation-header"] [data-testid="conversation-info-header-chat-title"]').count() == 1
        assert page.locator('[data-testid="conversation-panel-body"] [data-testid="conversation-panel-messages"]').count() == 1
    scroller = page.locator('div[data-scrolltracepolicy="wa.web.conversation.messages"]')
    assert scroller.evaluate("e => getComputedStyle(e).flexDirection") == "column"
    data_ids = page.eval_on_selector_all(MSG_NODES, "els => els.map(e => e.dataset.id)")
    truth = {m["external_id"]: m for m in gt["messages"] if m["thread_external_id"] == jid}
    if era == "p4":
        assert all(re.fullmatch(rf"(true|false)_{re.escape(jid)}_[0-9A-F]+", d) for d in data_ids)
        bare = [d.split("_")[2] for d in data_ids]
        for d, b in zip(data_ids, bare, strict=True):
            if b in truth:
                assert d.startswith("true_" if truth[b]["is_outgoing"] else "false_")
    else:
        bare = data_ids
        assert all(re.fullmatch(r"[0-9A-F]{20,32}", d) for d in data_ids)
    newest = [m["external_id"] for m in truth.values()][-20:]
    assert set(newest) <= set(bare)
    testids = page.locator("#main [data-testid^='conv-msg-']").count()
    assert testids == (len(data_ids) if era == "p6" else 0)
    directional = page.locator("#main .message-in, #main .message-out").count()
    assert (directional == 0) == (era == "p6")
    if era == "p6":
        assert page.locator("#main [data-testid='msg-container']").count() > 0
        assert page.locator("#main [data-id] [data-testid='msg-meta']").count() == page.locator("#main [data-testid='msg-container']").count()
    # direction: receipts and "You:" only on own messages; tails only on first bubble of a block
    signals = page.eval_on_selector_all(MSG_NODES, """els => els.filter(e => !e.querySelector('[data-virtualized=true]')).map(e => [
        e.dataset.id,
        e.querySelectorAll('span[aria-label="You:"]').length,
        e.querySelectorAll('[aria-label=" Read "], [aria-label=" Delivered "], [aria-label=" Sent "]').length,
        e.querySelectorAll('[data-icon="tail-in"]').length + e.querySelectorAll('[data-icon="tail-out"]').length])""")
    tails = 0
    for d, you, receipts, tail in signals:
        b = d.split("_")[2] if era == "p4" else d
        if b not in truth:
            assert you == receipts == tail == 0  # system rows and the encryption notice
            continue
        out = truth[b]["is_outgoing"]
        assert (you, receipts) == ((1, 1) if out else (0, 0))
        tails += tail
    assert 0 < tails < len(signals)  # only the first bubble of a block has a tail
    pre = page.eval_on_selector_all("#main [data-pre-plain-text]", "els => els.map(e => e.dataset.prePlainText)")
    assert pre and all(re.fullmatch(r"\[\d{1,2}:\d\d [AP]M, \d{1,2}/\d{1,2}/\d{4}\] .+: ", p) for p in pre)
    assert any(p.endswith(f"] {gt['own_name']}: ") for p in pre)
    assert not any(p.endswith("] You: ") for p in pre)
    # media and special kinds
    img = "[data-testid='image-thumb'][aria-label='Open picture'] [data-testid='media-url-provider']" if era == "p6" else "[role='button'][aria-label='Open picture']"
    assert page.locator(f"#main {img}").count() >= 1
    voice = page.locator("#main [data-id]:has(span[aria-label='Voice message'])").first
    assert voice.locator("button[aria-label='Play voice message'] [data-icon='audio-play']").count() == 1
    assert re.fullmatch(r"0:00/\d+:\d\d", voice.locator("[role='slider']").get_attribute("aria-valuetext"))
    assert voice.locator("[data-pre-plain-text]").count() == 0
    assert page.locator("#main [data-icon='ptt-status']").count() >= 1
    assert page.locator("#main [aria-label='Play GIF'] [data-icon='tenor']").count() >= 1
    assert page.locator("#main [data-icon='media-play']").count() >= 1
    assert page.locator("#main [data-icon='recalled']").count() >= 2
    assert page.locator("#main [data-icon='forward-refreshed']").count() >= 2
    assert page.locator("#main [role='button'][aria-label='Quoted message'] .quoted-mention").count() >= 1
    assert page.locator("#main img.emoji[alt][data-plain-text][src^='data:image/gif']").count() >= 3
    assert page.locator("#main a[href^='https://example.com/'][target='_blank']").count() >= 1
    assert page.locator("#main button[aria-label^='Reactions ❤ 2 in total']").count() >= 1
    assert page.get_by_text("Edited", exact=True).count() >= 1
    if era == "p6":
        assert page.locator("#main [data-testid='video-content']").count() >= 1
        assert page.locator("#main [data-testid='forwarded-header']").count() >= 1
        assert page.locator("#main [data-testid='reaction-bubble']").count() >= 1
        assert page.locator("#main [data-testid='image-caption selectable-text']").count() >= 1
    # the full image is a blob: URL whose bytes match the ground truth
    page.wait_for_selector("#main img[src^='blob:']")
    blobs = page.eval_on_selector_all("#main img[src^='blob:']", """async els => Promise.all(els.map(async e => {
        const b = new Uint8Array(await (await fetch(e.src)).arrayBuffer());
        const h = await crypto.subtle.digest('SHA-256', b);
        const row = e.closest('[data-id]').dataset.id;
        return [row, [...new Uint8Array(h)].map(x => x.toString(16).padStart(2, '0')).join('')];
    }))""")
    sums = {m["attachments"][0]["sha256"] for m in truth.values() if m["kind"] == "image"}
    assert any(s in sums for _, s in blobs)
    # far rows become empty data-virtualized shells that keep their data-id
    page.set_viewport_size({"width": 1280, "height": 400})
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll')); }")
    page.wait_for_timeout(200)
    shells = page.locator("#main [data-id] > [data-virtualized='true']")
    assert shells.count() > 0
    assert shells.first.inner_html() == ""
    page.context.close()


LOCALES = {
    "en-US": r"\[(\d{1,2}):(\d\d) ([AP]M), (\d{1,2})/(\d{1,2})/(\d{4})\] ",
    "en-GB": r"\[(\d\d):(\d\d), (\d\d)/(\d\d)/(\d{4})\] ",
    "pt-BR": r"\[(\d\d):(\d\d), (\d\d)/(\d\d)/(\d{4})\] ",
}


@pytest.mark.slow
def test_pre_plain_text_per_locale(browser, auth_server):
    gt = auth_server.ground_truth()
    chat = next(c for c in gt["chats"] if not c["archived"])
    page = new_page(browser)
    login(page, auth_server)
    try:
        for locale, pattern in LOCALES.items():
            auth_server.settings(locale=locale)  # open pages reload with the new locale
            page.wait_for_timeout(400)
            page.wait_for_selector("#pane-side")
            open_chat(page, "p6", chat["title"])
            node = page.locator("#main [data-id]:has([data-pre-plain-text])").last
            bare = node.get_attribute("data-id")
            truth = next(m for m in gt["messages"] if m["external_id"] == bare)
            ts = dt.datetime.fromisoformat(truth["ts"])
            pre = node.locator("[data-pre-plain-text]").first.get_attribute("data-pre-plain-text")
            assert re.match(pattern, pre), (locale, pre)
            if locale == "en-US":
                assert pre.startswith(f"[{ts.strftime('%I').lstrip('0')}:{ts:%M} {ts:%p}, {ts.month}/{ts.day}/{ts.year}]")
            else:
                assert pre.startswith(f"[{ts:%H:%M}, {ts:%d/%m/%Y}]")
            sender = gt["own_name"] if truth["is_outgoing"] else truth["sender_id"]
            assert pre.endswith(f"] {sender}: ")
    finally:
        auth_server.settings(locale=None)
        page.context.close()


@pytest.mark.slow
def test_history_chunks_virtualisation_and_phone_prompt(browser, auth_server):
    auth_server.settings(latency_ms=250, chunk_size=4)
    try:
        gt = auth_server.ground_truth()
        chat = next(c for c in gt["chats"] if c["phone_prompt"] and not c["archived"])
        jid = chat["thread_external_id"]
        truth = [m["external_id"] for m in gt["messages"] if m["thread_external_id"] == jid]
        auth_server.reset_stats()
        page = new_page(browser, viewport={"width": 1280, "height": 500})
        login(page, auth_server)
        page.evaluate("""() => { window.__spins = 0; new MutationObserver(() => {
            if (document.querySelector("[data-testid='msgs-loading-spinner']:not([hidden] *)")) window.__spins++;
        }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['hidden']}); }""")
        open_chat(page, "p6", chat["title"])
        seen: set[str] = set()
        scroller = "div[data-scrolltracepolicy='wa.web.conversation.messages']"
        for _ in range(60):
            seen |= set(page.eval_on_selector_all(MSG_NODES, "els => els.map(e => e.dataset.id)"))
            if page.get_by_text("Click this message to load older messages from your phone").count():
                break
            page.eval_on_selector(scroller, "el => { el.scrollTop = 0; }")
            page.wait_for_timeout(60)
            page.wait_for_timeout(300)
        seen |= set(page.eval_on_selector_all(MSG_NODES, "els => els.map(e => e.dataset.id)"))
        assert page.get_by_text("Click this message to load older messages from your phone").count() == 1
        assert set(truth) <= seen
        assert page.evaluate("window.__spins") > 0
        stats = auth_server.stats()
        assert stats["opens"][jid] == 1 and stats["chunks"][jid] >= 2
        assert stats["floor_ms"] >= 250 * stats["chunks"][jid]
        # the page reports each chunk's time to rows in the DOM; what exceeds the latency counts
        assert stats["render_ms"] > 0
        if len(truth) > 30:
            assert page.locator("#main [data-virtualized='true']").count() > 0
        # a chat with its whole history starts with the encryption notice
        sizes = {}
        for m in gt["messages"]:
            sizes[m["thread_external_id"]] = sizes.get(m["thread_external_id"], 0) + 1
        full = min((c for c in gt["chats"] if not c["phone_prompt"] and not c["archived"]),
                   key=lambda c: sizes.get(c["thread_external_id"], 0))
        open_chat(page, "p6", full["title"])
        for _ in range(60):
            if page.get_by_text("Messages and calls are end-to-end encrypted", exact=False).count():
                break
            page.eval_on_selector(scroller, "el => { el.scrollTop = 0; }")
            page.wait_for_timeout(300)
        assert page.locator("#main [data-testid='system_message']", has_text="end-to-end encrypted").count() == 1
        page.context.close()
    finally:
        auth_server.settings(latency_ms=0, chunk_size=40)


# --- auth states ---------------------------------------------------------------------------------
def test_qr_rotates_then_offers_reload(browser, auth_server):
    auth_server.settings(qr_rotation_ms=300, qr_max_rotations=3)
    try:
        page = new_page(browser)
        page.goto(auth_server.url)
        holder = page.locator("div[data-ref]")
        page.wait_for_selector("div[data-ref] canvas[aria-label='Scan this QR code to link a device!']")
        page.wait_for_function("document.querySelector('div[data-ref]').dataset.ref.startsWith('2@')")
        first = holder.get_attribute("data-ref")
        assert re.fullmatch(r"2@[^,]+,[^,]+,[^,]+,[^,]+", first)
        page.wait_for_function(f"document.querySelector('div[data-ref]').dataset.ref !== {first!r}")
        page.wait_for_selector("div[data-ref] > span > button", timeout=15000)
        assert "Click to reload QR code" in page.locator("div[data-ref] > span > button").inner_text()
        last = holder.get_attribute("data-ref")
        page.click("div[data-ref] > span > button")
        page.wait_for_function(f"document.querySelector('div[data-ref]').dataset.ref !== {last!r}")
        page.context.close()
    finally:
        auth_server.settings(qr_rotation_ms=20_000, qr_max_rotations=5)


def test_headless_user_agent_gets_unsupported_page(browser, auth_server):
    page = new_page(browser, user_agent=UA.replace("Chrome/", "HeadlessChrome/"))
    page.goto(auth_server.url)
    page.wait_for_timeout(300)
    assert "WhatsApp works with Google Chrome 60+" in page.content()
    assert page.locator("div[data-ref]").count() == 0
    page.context.close()


def test_session_survives_restart_on_same_profile(pw, auth_server, tmp_path):
    def launch(folder):
        return pw.chromium.launch_persistent_context(
            str(folder), executable_path="/usr/bin/chromium", headless=True, user_agent=UA,
            args=[*ARGS, f"--user-agent={UA}"], timezone_id="UTC")
    ctx = launch(tmp_path / "profile")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    login(page, auth_server)
    ctx.close()
    ctx = launch(tmp_path / "profile")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(auth_server.url)
    page.wait_for_selector("#pane-side", timeout=10_000)
    ctx.close()
    ctx = launch(tmp_path / "other")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(auth_server.url)
    page.wait_for_selector("div[data-ref] canvas")
    ctx.close()


def test_expire_then_conflict_then_use_here(browser, auth_server):
    page = new_page(browser)
    login(page, auth_server)
    auth_server.expire()
    page.wait_for_selector("div[data-ref] canvas", timeout=10_000)
    auth_server.pair()
    page.wait_for_selector("#pane-side")
    auth_server.conflict()
    dialog = page.locator("[role='dialog']")
    dialog.wait_for()
    assert "WhatsApp is open in another window. Click 'Use here' to use WhatsApp in this window." in dialog.inner_text()
    page.click("div[data-animate-modal-body=true] div[role=button]:nth-child(2)")
    page.wait_for_selector("[role='dialog']", state="detached")
    assert page.locator("#pane-side").count() == 1
    page.context.close()


def test_live_message_reorders_chat_list(browser, auth_server):
    gt = auth_server.ground_truth()
    page = new_page(browser)
    login(page, auth_server)
    visible = [c for c in gt["chats"] if not c["archived"]]
    target = visible[2]
    open_chat(page, "p6", visible[0]["title"])
    truth = auth_server.add_message(target["thread_external_id"], "Live hello 👋", is_outgoing=False)
    assert truth["content_snippet"] == "Live hello 👋" and truth["thread_external_id"] == target["thread_external_id"]
    page.wait_for_function(
        "t => document.querySelector('#pane-side [data-testid=\"list-item-0\"] span[title]').title === t",
        arg=f"\u202a{target['title']}\u202c", timeout=15000)
    badge = page.locator("#pane-side [data-testid='list-item-0'] [data-testid='icon-unread-count']")
    assert badge.get_attribute("aria-label").endswith("unread messages") or badge.get_attribute("aria-label").endswith("unread message")
    own = auth_server.add_message(visible[0]["thread_external_id"], "Sent from phone", is_outgoing=True)
    page.wait_for_selector(f"#main [data-id='{own['external_id']}']", timeout=15000)
    page.context.close()


def test_search_filters_only_on_keystrokes_and_interactions_recorded(browser, auth_server):
    gt = auth_server.ground_truth()
    page = new_page(browser)
    login(page, auth_server)
    visible = [c for c in gt["chats"] if not c["archived"]]
    target = visible[-1]["title"]
    search = page.locator('input[role="textbox"][data-tab="3"][aria-label="Search or start a new chat"]')
    before = page.locator(chat_rows("p6")).count()
    search.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", target)
    page.wait_for_timeout(200)
    assert page.locator(chat_rows("p6")).count() == before
    search.evaluate("el => { el.value = ''; }")
    search.click()
    page.keyboard.type(target[:6])
    page.wait_for_selector("#pane-side [role='grid'][aria-label='Search results.']", timeout=15000)
    titles = page.eval_on_selector_all(title_spans("p6"), "els => els.map(e => e.title)")
    assert titles and all(target[:6].lower() in t.lower() for t in titles)
    assert page.locator("#pane-side [role='grid'][aria-label='Search results.']").count() == 1
    page.keyboard.press("Escape")
    open_chat(page, "p6", visible[0]["title"])
    compose = page.locator('div[contenteditable][role="textbox"][data-lexical-editor][data-tab="10"][data-testid="conversation-compose-box-input"][aria-label="Type a message"]')
    compose.click()
    page.keyboard.type("hi")
    page.locator('button[aria-label="Send"] [data-icon="wds-ic-send-filled"]').click()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        events = auth_server.interactions()
        if any(e["type"] == "send" for e in events):
            break
        time.sleep(0.1)
    kinds = {(e["type"], e["target"]) for e in events}
    assert ("keydown", "compose") in kinds and ("click", "send") in kinds and ("send", "send") in kinds
    page.context.close()


def test_rate_limit_page(browser, auth_server):
    auth_server.settings(rate_limit=2, rate_window_s=30)
    try:
        page = new_page(browser)
        for _ in range(4):
            page.goto(auth_server.url)
        assert page.locator(".error-code").inner_text() == "HTTP ERROR 429"
        page.context.close()
    finally:
        auth_server.settings(rate_limit=None)
