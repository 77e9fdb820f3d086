"""The chat-list reader and the replica's read state, in every era kenny-wa supports.

Badges and the "marked unread" marker are read from the row (count in p6 test ids, aria-labels
before), opening a badged chat is a read by the linked device (receipts), "Mark as unread"
from the row's own menu leaves the marker, a read on the phone clears it without receipts,
and the Archived view is entered and left through its entry and back button.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from navhelpers import pair, settings_for

from kenny_wa.browser import chatlist, launch
from kenny_wa.browser.ratelimit import RateLimiter

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
replica_mod = pytest.importorskip("kenny_wa.replica.server")


def _rows(page, settings, now, *, archived=False):
    cutoff = now - dt.timedelta(days=settings.lookback_days)
    rows = chatlist.list_chat_rows(page, settings, now=now, cutoff=cutoff, limiter=RateLimiter(0),
                                   archived=archived)
    return {r.chat.chat_id: r for r in rows}


def _wait_row(page, settings, now, jid, predicate, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = _rows(page, settings, now).get(jid)
        if row is not None and predicate(row):
            return row
        time.sleep(0.2)
    raise AssertionError("the row never showed the expected read state")


def _eventually(predicate, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("era", ["p6", "p5", "p4"])
def test_badges_marker_menu_and_archived_view(tmp_path, era):
    from playwright.sync_api import sync_playwright

    with replica_mod.ReplicaServer(scenario="unread-small", era=era, seed=1, latency_ms=0) as replica:
        settings = settings_for(replica, tmp_path)
        truth = {c["thread_external_id"]: c for c in replica.ground_truth()["chats"]}
        now = dt.datetime.now(dt.UTC)
        limiter = RateLimiter(0)
        with sync_playwright() as pw, launch.browser_session(settings, playwright=pw) as page:
            pair(page, settings, replica)
            main = _rows(page, settings, now)
            assert set(main) == {j for j, c in truth.items() if not c["archived"]}
            assert {j: r.unread for j, r in main.items()} == {j: truth[j]["unread"] for j in main}
            assert not any(r.marked_unread or r.chat.archived for r in main.values())

            # opening a badged chat is a read by the linked device
            jid = next(j for j, r in main.items() if r.unread == 2)
            chatlist.open_chat(page, main[jid], limiter=limiter)
            # the header shows first; the read is recorded when the page fetches the messages
            assert _eventually(lambda: len(replica.read_receipts().get(jid, [])) == 2)
            row = _wait_row(page, settings, now, jid, lambda r: not r.badged)

            # "Mark as unread" from the row's menu: the marker, no count, no new receipt
            assert chatlist.mark_unread(page, row, limiter=limiter)
            row = _rows(page, settings, now)[jid]
            assert row.marked_unread and row.unread == 0 and row.badged
            now_truth = {c["thread_external_id"]: c for c in replica.ground_truth()["chats"]}
            assert now_truth[jid]["marked_unread"]
            assert [(e["type"], e["target"]) for e in replica.interactions()] == [("menu", "mark_unread")]

            # the person reads it on the phone: the marker goes, nothing recorded for this device
            assert replica.phone_read(jid) == 1
            _wait_row(page, settings, now, jid, lambda r: not r.badged)
            assert len(replica.read_receipts()[jid]) == 2

            # the Archived view: entered from its entry, its rows tagged archived, and back
            assert chatlist.enter_archived(page, limiter=limiter)
            archived = _rows(page, settings, now, archived=True)
            assert set(archived) == {j for j, c in truth.items() if c["archived"]}
            assert all(r.chat.archived for r in archived.values())
            assert {j: r.unread for j, r in archived.items()} == {j: truth[j]["unread"] for j in archived}
            chatlist.leave_archived(page)
            assert set(_rows(page, settings, now)) == set(main)
