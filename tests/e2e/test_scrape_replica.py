"""Full scrapes of the replica in real Chromium, compared message by message to its truth."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from navhelpers import as_truth, expected_by_chat, pair, parse_ts, settings_for, truth_view

from kenny_wa import errors
from kenny_wa.browser import auth, boundary, launch, scrape

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
replica_mod = pytest.importorskip("kenny_wa.replica.server")


@pytest.fixture
def pw():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def run_scrape(pw, replica, tmp_path, *, locale="en-US", cursors=None, **env):
    settings = settings_for(replica, tmp_path, locale=locale, **env)
    now = dt.datetime.now(dt.UTC)
    progress = scrape.ScrapeProgress()
    with launch.browser_session(settings, playwright=pw) as page:
        pair(page, settings, replica)
        batches = list(scrape.scrape(page, settings, cursors=cursors or {}, now=now, progress=progress))
    return settings, now, batches, progress


def assert_matches_truth(replica, settings, now, batches):
    truth = replica.ground_truth()
    cutoff = now - dt.timedelta(days=settings.lookback_days)
    expected = expected_by_chat(truth, cutoff)
    chats = {c["thread_external_id"]: c for c in truth["chats"]}
    got = {b.chat.chat_id: b for b in batches}
    assert set(got) == set(expected), "chats scraped differ from the chats active since the cutoff"
    for jid, want in expected.items():
        batch = got[jid]
        info = chats[jid]
        limit = parse_ts(info["history_limit"]) if info["history_limit"] else None
        if info["phone_prompt"] and limit and limit > cutoff:
            assert not batch.complete and batch.partial_reason == "phone_prompt", jid
            want = [m for m in want if parse_ts(m["ts"]) >= limit]
        else:
            assert batch.complete, (jid, batch.partial_reason)
        assert batch.chat.title == info["title"]
        assert batch.chat.is_group == info["is_group"]
        assert batch.chat.archived == info["archived"]
        if info["is_group"]:
            assert set(batch.chat.participants) == set(info["participants"])
        want_view = sorted((truth_view(m) for m in want), key=lambda m: m["external_id"])
        got_view = sorted((as_truth(m) for m in batch.messages), key=lambda m: m["external_id"])
        assert got_view == want_view, jid
        assert all(m.chat_id == jid for m in batch.messages)


@pytest.mark.parametrize("era", ["p6", "p5", "p4"])
@pytest.mark.parametrize("locale", ["en-US", "en-GB", "pt-BR"])
def test_small_scenario_matrix(pw, tmp_path, era, locale):
    with replica_mod.ReplicaServer(scenario="small", era=era, seed=7, latency_ms=0, locale=locale) as replica:
        settings, now, batches, progress = run_scrape(pw, replica, tmp_path, locale=locale,
                                                      WHATSAPP_DOWNLOAD_IMAGES="false")
        assert progress.chats_total == len(batches) == progress.chats_opened
        assert_matches_truth(replica, settings, now, batches)


@pytest.mark.parametrize(("interval_ms", "latency_ms"), [("0", 150), ("20", 150)],
                         ids=["read-ahead", "rate-limited"])
def test_chunks_loading_slowly_with_and_without_read_ahead(pw, tmp_path, interval_ms, latency_ms):
    """Read ahead (rate limit off) lets the next chunk load while a window is parsed, and a
    chat that stops at its floor leaves one chunk loading behind it; rate-limited scrolls are
    never taken ahead. Either way every message, and no other, is read."""
    deep = tmp_path / "deep.json"  # a few chats of several chunks each, some older than 30 days
    deep.write_text(json.dumps({"name": "deep", "generate": {
        "chats": 3, "groups": 1, "messages_min": 150, "messages_max": 260, "days": 50,
        "media_ratio": 0.1, "archived": 0, "phone_prompt_chats": 1, "lid_chats": 1}}))
    with replica_mod.ReplicaServer(scenario=str(deep), era="p6", seed=5, latency_ms=latency_ms) as replica:
        settings, now, batches, progress = run_scrape(
            pw, replica, tmp_path, WHATSAPP_SCROLL_MIN_INTERVAL_MS=interval_ms)
        assert progress.scrolls > progress.chats_opened  # chats of several chunks
        if interval_ms == "0":
            assert progress.scrolls_ahead >= progress.scrolls  # every scroll was taken ahead
        else:
            assert progress.scrolls_ahead == 0
        assert progress.images_fetched > 0  # with the next chunk still loading behind them
        assert_matches_truth(replica, settings, now, batches)


def test_default_scenario_full(pw, tmp_path):
    with replica_mod.ReplicaServer(scenario="default", era="p6", seed=1, latency_ms=0) as replica:
        settings, now, batches, progress = run_scrape(pw, replica, tmp_path)
        assert_matches_truth(replica, settings, now, batches)
        stats = replica.stats()
        assert progress.chats_opened == len(batches)
        # under the defaults: archived chats read, badged chats left unopened, nothing marked read
        truth_chats = replica.ground_truth()["chats"]
        badged = {c["thread_external_id"] for c in truth_chats if c["unread"]}
        assert badged and set(progress.deferred) == badged
        assert progress.chats_archived == sum(c["archived"] for c in truth_chats) == 2
        assert any(b.chat.archived for b in batches)
        assert replica.read_receipts() == {}
        images = [(b, i) for b in batches for i in b.images.values()]
        fetched = [i for _, i in images if hasattr(i, "data")]
        assert fetched, "no image bytes fetched"
        truth = {m["external_id"]: m for m in replica.ground_truth()["messages"]}
        import hashlib

        for item in fetched:
            att = truth[item.external_id]["attachments"][0]
            if not att["broken"]:
                assert hashlib.sha256(item.data).hexdigest() == att["sha256"]
        assert stats


def test_incremental_opens_only_changed_chats(pw, tmp_path):
    with replica_mod.ReplicaServer(scenario="small", era="p6", seed=11, latency_ms=0) as replica:
        settings = settings_for(replica, tmp_path, WHATSAPP_DOWNLOAD_IMAGES="false")
        now = dt.datetime.now(dt.UTC)
        with launch.browser_session(settings, playwright=pw) as page:
            pair(page, settings, replica)
            first = list(scrape.scrape(page, settings, cursors={}, now=now))
            cursors = {b.chat.chat_id: _cursor(b) for b in first if b.complete}
            target = next(b.chat for b in first if b.complete and not b.chat.is_group)
            added = replica.add_message(target.chat_id, "incremental hello")
            replica.phone_read(target.chat_id)  # read on the phone: no badge defers the chat
            # the page learns about both on its next poll (like the real one)
            page.wait_for_function("() => document.body.innerText.includes('incremental hello')",
                                   timeout=15_000)
            page.wait_for_function(
                "(t) => { const row = [...document.querySelectorAll('#pane-side [role=row]')]"
                ".find((r) => ((r.querySelector('span[title]') || {}).title || '').includes(t));"
                " return row && !row.querySelector('[data-testid=icon-unread-count]'); }",
                arg=target.title, timeout=15_000)
            progress = scrape.ScrapeProgress()
            second = list(scrape.scrape(page, settings, cursors=cursors,
                                        now=dt.datetime.now(dt.UTC), progress=progress))
        partial = {b.chat.chat_id for b in first if not b.complete}
        assert {b.chat.chat_id for b in second} == {target.chat_id} | partial
        assert progress.chats_opened == 1 + len(partial)
        assert progress.chats_skipped == len(first) - 1 - len(partial)
        (again,) = [b for b in second if b.chat.chat_id == target.chat_id]
        assert any(m.text == "incremental hello" for m in again.messages)
        assert added
        before = next(b for b in first if b.chat.chat_id == target.chat_id)
        newest_before = max(m.ts for m in before.messages)
        # scrolled back only to the cursor minus the overlap, not the whole lookback
        floor = newest_before - dt.timedelta(minutes=2)
        assert all(m.ts >= floor for m in again.messages)


class _Cursor:
    def __init__(self, newest_ts, complete, read_at):
        self.newest_ts = newest_ts
        self.newest_external_id = None
        self.last_activity = None
        self.complete = complete
        self.read_at = read_at


def _cursor(batch):
    newest = max((m.ts for m in batch.messages), default=None)
    return _Cursor(newest, batch.complete, batch.read_at)


def test_expire_mid_run_keeps_earlier_batches(pw, tmp_path):
    with replica_mod.ReplicaServer(scenario="small", era="p6", seed=5, latency_ms=0) as replica:
        settings = settings_for(replica, tmp_path, WHATSAPP_DOWNLOAD_IMAGES="false")
        now = dt.datetime.now(dt.UTC)
        got = []
        with launch.browser_session(settings, playwright=pw) as page:
            pair(page, settings, replica)
            walker = scrape.scrape(page, settings, cursors={}, now=now)
            got.append(next(walker))
            replica.expire()
            with pytest.raises(errors.SessionExpired):
                for batch in walker:
                    got.append(batch)
        assert len(got) >= 1
        truth = replica.ground_truth()
        cutoff = now - dt.timedelta(days=settings.lookback_days)
        expected = expected_by_chat(truth, cutoff)
        first = got[0]
        if first.complete:
            got_ids = {m.external_id for m in first.messages}
            assert got_ids == {m["external_id"] for m in expected[first.chat.chat_id]}


RELOAD_IN_FLIGHT = "() => new Promise(() => setTimeout(() => location.reload(), 0))"


def test_a_navigation_during_a_page_call_is_recognised_as_a_reload(pw, tmp_path):
    # Playwright's own wording decides this; a new Playwright that words it differently fails here
    from playwright.sync_api import Error as PlaywrightError

    with replica_mod.ReplicaServer(scenario="small", era="p6", seed=5, latency_ms=0) as replica:
        settings = settings_for(replica, tmp_path, WHATSAPP_DOWNLOAD_IMAGES="false")
        with launch.browser_session(settings, playwright=pw) as page:
            pair(page, settings, replica)
            with pytest.raises(PlaywrightError) as caught:
                page.evaluate(RELOAD_IN_FLIGHT)
            assert isinstance(boundary.translate(caught.value), errors.PageReloaded)
            # let the reload land before the next call, or that call is destroyed as well
            assert auth.wait_for_state(page, auth.READY, 30_000) in auth.READY
            with pytest.raises(PlaywrightError) as caught:
                page.evaluate("() => { throw new Error('boom'); }")
            assert type(boundary.translate(caught.value)) is errors.BrowserCrashed


def _reload_during_next_read(page, before=lambda: None):
    """The next message-window read is in flight when the page reloads itself."""
    real = page.evaluate
    state = {"armed": True}

    def evaluate(expression, arg=None):
        if state["armed"] and "author_texts" in expression:  # extract_rows.js
            state["armed"] = False
            before()
            return real(RELOAD_IN_FLIGHT)
        return real(expression, arg)

    page.evaluate = evaluate
    return state


@pytest.mark.parametrize("expired", [False, True], ids=["still-logged-in", "session-revoked"])
def test_a_reload_while_reading_a_chat_is_not_a_crash(pw, tmp_path, expired):
    with replica_mod.ReplicaServer(scenario="small", era="p6", seed=5, latency_ms=0) as replica:
        settings = settings_for(replica, tmp_path, WHATSAPP_DOWNLOAD_IMAGES="false")
        now = dt.datetime.now(dt.UTC)
        with launch.browser_session(settings, playwright=pw) as page:
            pair(page, settings, replica)
            walker = scrape.scrape(page, settings, cursors={}, now=now)
            first = next(walker)
            # revoked while the read is in flight: the reload is what tells the page
            injected = _reload_during_next_read(page, replica.expire if expired else lambda: None)
            if expired:
                with pytest.raises(errors.SessionExpired):
                    next(walker)
                assert not injected["armed"], "the reload was never injected"
                return
            rest = list(walker)
        assert not injected["armed"], "the reload was never injected"
        reloaded = [b for b in rest if b.partial_reason == "page_reloaded"]
        assert len(reloaded) == 1 and reloaded[0].messages == []
        assert reloaded[0].chat.chat_id != first.chat.chat_id
        # the chats after the reload are read as usual
        after = rest[rest.index(reloaded[0]) + 1:]
        assert after and all(b.messages for b in after if b.complete)
