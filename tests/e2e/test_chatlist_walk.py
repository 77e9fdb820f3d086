"""The chat-list walk finds every recent chat, whatever the list's scroll position and height."""

from __future__ import annotations

import datetime as dt

import pytest
from navhelpers import pair, settings_for

from kenny_wa.browser import chatlist, launch
from kenny_wa.browser.ratelimit import RateLimiter

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
replica_mod = pytest.importorskip("kenny_wa.replica.server")


@pytest.mark.parametrize("height", [900, 2000])
def test_walks_from_a_scrolled_list_find_every_recent_chat(tmp_path, monkeypatch, height):
    # Each walk starts where the previous one left the list (scrolled to its end); before the
    # walk waited for the rows in view to render, such walks passed over up to 15 of 195 chats.
    from playwright.sync_api import sync_playwright

    monkeypatch.setattr(launch, "VIEWPORT", {"width": 1280, "height": height})
    with replica_mod.ReplicaServer(scenario="large", era="p6", seed=1, latency_ms=0) as replica:
        settings = settings_for(replica, tmp_path)
        now = dt.datetime.now(dt.UTC)
        cutoff = now - dt.timedelta(days=settings.lookback_days)
        expected = {
            c["thread_external_id"] for c in replica.ground_truth()["chats"]
            if not c["archived"] and dt.datetime.fromisoformat(c["last_activity"]) >= cutoff
        }
        with sync_playwright() as pw, launch.browser_session(settings, playwright=pw) as page:
            pair(page, settings, replica)
            walks = [
                {r.chat.chat_id for r in chatlist.list_chat_rows(
                    page, settings, now=now, cutoff=cutoff, limiter=RateLimiter(0))}
                for _ in range(3)
            ]
    assert len(expected) > 100
    assert walks == [expected] * 3
