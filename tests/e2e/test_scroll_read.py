"""page_js/scroll_read.js (with scroll_history, history_settled and extract_rows) in real headless
Chromium, driven through PlaywrightHistoryAdapter: what each cycle returns and what it scrolls.

The page is an invented conversation shaped like the replica's P6 one: a message scroller under
#main, rows of [data-id] bubbles, older chunks prepended (scroll position kept) after a spinner
when the scroller nears its top, and at the very top the history start (the encryption notice)
or the phone prompt. Names, ids and texts are made up."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kenny_wa.browser import auth, history, selectors

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
PROFILE = selectors.profile("p6")
SCROLLER = '[data-scrolltracepolicy="wa.web.conversation.messages"]'

PAGE = """<!doctype html><meta charset="utf-8">
<style>
  body { margin: 0 } #main { position: relative; height: 420px; display: flex; flex-direction: column }
  .sc { flex: 1; overflow-y: auto } [role=row] { min-height: 64px }
  [data-testid=spinner] { position: absolute; top: 40px; left: 10px; width: 20px; height: 20px }
</style>
<div id="main"><header>Invented Chat</header>
  <div class="sc" data-scrolltracepolicy="wa.web.conversation.messages" tabindex="0">
    <div role="application" id="rows"></div></div></div>
<script>
const cfg = __CFG__;
const main = document.getElementById("main"), rows = document.getElementById("rows");
const sc = document.querySelector(".sc");
const ids = Array.from({length: cfg.total}, (_, i) => "false_1@c.us_INV" + String(i + 1).padStart(3, "0"));
const bubble = (id, i, rendered) => !rendered && cfg.shells.includes(id)
  ? `<div role="row"><div data-id="${id}"><div data-virtualized="true"></div></div></div>`
  : `<div role="row"><div tabindex="-1" data-id="${id}" data-testid="conv-msg-${id}">` +
    `<div data-virtualized="false"><div class="focusable-list-item">` +
    `<span data-testid="tail-in" data-icon="tail-in"></span>` +
    `<div data-testid="msg-container">` +
    `<div class="copyable-text"` +
    ` data-pre-plain-text="[7:58 PM, 9/16/2026] Invented Person: ">` +
    `<span data-testid="selectable-text" class="selectable-text copyable-text">` +
    `<span>Invented text ${i}</span></span></div>` +
    `<div data-testid="msg-meta"><span dir="auto">7:58 PM</span></div></div></div></div></div></div>`;
const render = (from, to) => ids.slice(from, to).map((id, k) => bubble(id, from + k + 1)).join("");
const TOP = {
  start: '<div role="row"><div data-testid="e2e-notification">' +
    '<span>Messages and calls are end-to-end encrypted.</span></div></div>',
  prompt: '<div role="row"><div role="button">' +
    'Click this message to load older messages from your phone.</div></div>',
};
window.loads = 0;
let oldest = cfg.total - cfg.first, busy = false, ended = false;
const spin = (on) => {
  const el = main.querySelector("[data-testid=spinner]");
  if (on && !el) main.insertAdjacentHTML("beforeend", '<div data-testid="spinner"></div>');
  if (!on && el) el.remove();
};
const prepend = (html) => {
  const height = sc.scrollHeight;
  rows.insertAdjacentHTML("afterbegin", html);
  sc.scrollTop += sc.scrollHeight - height;  // keep what is in view where it is
};
sc.addEventListener("scroll", (event) => {
  setTimeout(renderShellsInView, 50);
  if (busy || sc.scrollTop > 80) return;
  if (oldest > 0) {
    busy = true; spin(true);
    if (cfg.latencyMs === null) return;  // this chunk never arrives
    setTimeout(() => {
      const from = Math.max(0, oldest - cfg.chunk);
      prepend(render(from, oldest));
      oldest = from; busy = false; spin(false); window.loads++;
    }, cfg.latencyMs);
  } else if (!ended) {
    ended = true; rows.insertAdjacentHTML("afterbegin", TOP[cfg.end]);  // shows at the very top
  } else if (cfg.end === "prompt" && !event.isTrusted) {
    // a later scroll at the top (scroll_history's own event): a cycle that still waited
    // would see the history start show up 300 ms later
    setTimeout(() => rows.insertAdjacentHTML("afterbegin", TOP.start), 300);
  }
});
// virtualisation: a shell scrolled into view is rendered a moment later
const renderShellsInView = () => {
  const view = sc.getBoundingClientRect();
  for (const shell of sc.querySelectorAll('[data-virtualized="true"]')) {
    const r = shell.getBoundingClientRect();
    if (r.bottom <= view.top || r.top >= view.bottom) continue;
    const row = shell.closest("[role=row]"), id = row.querySelector("[data-id]").dataset.id;
    row.outerHTML = bubble(id, ids.indexOf(id) + 1, true);
  }
};
const open = () => { rows.innerHTML = render(oldest, cfg.total); sc.scrollTop = sc.scrollHeight; };
if (cfg.firstLoadMs) { spin(true); setTimeout(() => { open(); spin(false); }, cfg.firstLoadMs); } else open();
</script>"""


def conversation(total: int = 30, *, first: int = 12, chunk: int = 8, end: str = "start",
                 latency_ms: int | None = 150, first_load_ms: int = 0, shells: tuple[str, ...] = ()) -> str:
    cfg = {"total": total, "first": first, "chunk": chunk, "end": end, "latencyMs": latency_ms,
           "firstLoadMs": first_load_ms, "shells": list(shells)}
    return PAGE.replace("__CFG__", json.dumps(cfg))


def ident(n: int) -> str:
    return f"false_1@c.us_INV{n:03d}"


@dataclasses.dataclass
class Window:
    """The raw window extract_rows read, as the adapter's reader sees it."""

    raw: dict

    def _column(self, name: str) -> list:
        return [row[self.raw["fields"].index(name)] for row in self.raw["rows"]]

    @property
    def kinds(self) -> list[str]:
        return self._column("row")

    @property
    def ids(self) -> list[str]:
        return [i for k, i in zip(self.kinds, self._column("id"), strict=True) if k == "msg"]

    @property
    def phone_prompt(self) -> bool:
        return bool(self.raw["phone_prompt"])

    @property
    def history_start(self) -> bool:
        return bool(self.raw["history_start"])


class Reader:
    """The P6 profile's real extractor argument; the raw window is kept as it came."""

    def js_arg(self) -> dict:
        return PROFILE.js_arg()

    def parse(self, raw: dict) -> Window:
        return Window(raw)


class Limiter:
    def __init__(self) -> None:
        self.waits = 0

    def wait(self) -> None:
        self.waits += 1


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser) -> Iterator:
    pg = browser.new_page(viewport={"width": 800, "height": 600})
    try:
        yield pg
    finally:
        pg.close()


def adapter(page, html: str, *, settle_ms: int = 10_000, **ahead: bool):
    page.set_content(html)
    limiter = Limiter()
    a = history.PlaywrightHistoryAdapter(
        page, reader=Reader(), limiter=limiter, nav=auth.js_arg()["nav"],
        start_selectors=list(PROFILE.roles["history_start"]),
        start_texts=[t.lower() for t in selectors.TEXTS["history_start"]],
        loading_selectors=list(PROFILE.roles["loading"]), stall_attempts=3,
        settle_timeout_ms=settle_ms, **ahead,
    )
    return a, limiter


def scroll_top(page) -> int:
    return page.eval_on_selector(SCROLLER, "el => Math.round(el.scrollTop)")


def in_view(page, data_id: str) -> bool:
    return page.eval_on_selector(SCROLLER, """(sc, id) => {
        const view = sc.getBoundingClientRect();
        const row = sc.querySelector(`[data-id="${id}"]`).getBoundingClientRect();
        return row.top >= view.top - 1 && row.bottom <= view.bottom + 1; }""", data_id)


def test_the_first_read_scrolls_nothing_and_waits_out_the_chats_loading_spinner(page):
    a, limiter = adapter(page, conversation(first_load_ms=400))
    window = a.read_window()
    assert window.ids == [ident(n) for n in range(19, 31)]  # the chunk the spinner stood for
    assert scroll_top(page) == page.eval_on_selector(SCROLLER, "el => el.scrollHeight - el.clientHeight")
    assert limiter.waits == 0


def test_a_scroll_goes_as_far_as_the_oldest_read_row_and_reads_what_loaded(page):
    a, limiter = adapter(page, conversation())
    first = a.read_window()
    assert first.ids == [ident(n) for n in range(19, 31)] and not first.history_start
    assert not in_view(page, ident(19))
    assert a.scroll_older() == "moved"
    # every row below the oldest one read was read: the scroll brought that row into view
    # (here at the top, where the older chunk loaded above it, the position kept)
    assert in_view(page, ident(19)) and not in_view(page, ident(30))
    window = a.read_window()
    assert window.ids == [ident(n) for n in range(11, 31)]  # the older chunk loaded, after the spinner
    assert page.evaluate("window.loads") == 1
    assert limiter.waits == 1  # one wait, right before the scroll Python took
    assert a.scrolls_ahead == 0  # without read ahead no scroll is taken after a read


def test_scrolling_on_ends_at_the_history_start_with_every_row_read(page):
    a, limiter = adapter(page, conversation())
    seen = set(a.read_window().ids)
    outcomes = []
    while not outcomes or outcomes[-1] == "moved":
        assert len(outcomes) < 20, outcomes
        outcomes.append(a.scroll_older())
        window = a.read_window()
        seen |= set(window.ids)
    assert outcomes[-1] == "start" and set(outcomes[:-1]) == {"moved"}
    assert window.history_start and window.kinds[0] != "msg"
    assert seen == {ident(n) for n in range(1, 31)}
    assert page.evaluate("window.loads") == 3  # 12 shown at first, then 8, 8 and the last 2
    assert limiter.waits == len(outcomes)


def test_unrendered_rows_below_the_oldest_read_one_limit_the_scroll_to_part_of_a_viewport(page):
    # rows 11-33 are virtualised shells between the oldest row read (1) and the view: a jump
    # to row 1 would skip them, so the scroll is 0.8 of a viewport and waits for them to render
    shells = tuple(ident(n) for n in range(11, 34))
    a, _ = adapter(page, conversation(40, first=40, shells=shells))
    window = a.read_window()
    assert window.kinds.count("shell") == 23 and window.ids[0] == ident(1)
    before = scroll_top(page)
    client = page.eval_on_selector(SCROLLER, "el => el.clientHeight")
    assert a.scroll_older() == "moved"
    assert before - scroll_top(page) == round(client * 0.8)
    window = a.read_window()
    # the shells scrolled into view were rendered before the window was read
    assert window.kinds.count("shell") < 23 and ident(33) in window.ids


def test_a_chunk_that_never_arrives_stalls_after_the_settle_timeout(page):
    a, _ = adapter(page, conversation(first=8, latency_ms=None), settle_ms=600)
    assert a.read_window().ids == [ident(n) for n in range(23, 31)]
    assert a.scroll_older() == "stalled"
    # the window is read as it is: still the rows it had
    assert a.read_window().ids == [ident(n) for n in range(23, 31)]
    assert page.evaluate("window.loads") == 0


@pytest.mark.parametrize("read_ahead", [False, True], ids=["scroll", "resumed-wait"])
def test_at_the_top_with_the_phone_prompt_the_cycle_stalls_without_waiting(page, read_ahead):
    a, _ = adapter(page, conversation(12, first=12, end="prompt"),
                   read_ahead=read_ahead, ahead_on_first_read=read_ahead)
    window = a.read_window()
    for _ in range(10):
        if window.phone_prompt:
            break
        a.scroll_older()
        window = a.read_window()
    assert window.phone_prompt and not window.history_start
    assert scroll_top(page) == 0
    # the page shows the history start 300 ms after a scroll at the top: a cycle that waited
    # would end "start"; at the top with the prompt it reads the window at once instead
    assert a.scroll_older() == "stalled"
    if not read_ahead:  # (read ahead, that scroll was taken a moment earlier, after the last read)
        assert not a.read_window().history_start


def test_read_ahead_takes_the_next_scroll_right_after_the_read(page):
    a, limiter = adapter(page, conversation(), read_ahead=True, ahead_on_first_read=True)
    bottom = page.eval_on_selector(SCROLLER, "el => el.scrollHeight - el.clientHeight")
    first = a.read_window()
    assert first.ids == [ident(n) for n in range(19, 31)]
    # the page already scrolled for the next window while Python holds this one
    assert scroll_top(page) < bottom and a.scrolls_ahead == 1
    assert a.scroll_older() == "moved"
    assert a.read_window().ids == [ident(n) for n in range(11, 31)]
    assert limiter.waits == 0  # only the scrolls Python takes itself are spaced


def test_read_ahead_can_leave_a_chats_first_read_alone(page):
    a, limiter = adapter(page, conversation(), read_ahead=True, ahead_on_first_read=False)
    bottom = page.eval_on_selector(SCROLLER, "el => el.scrollHeight - el.clientHeight")
    a.read_window()
    assert scroll_top(page) == bottom and a.scrolls_ahead == 0
    assert a.scroll_older() == "moved"
    assert limiter.waits == 1
    assert a.scrolls_ahead == 1  # this cycle's read took the next scroll ahead
