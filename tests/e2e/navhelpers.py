"""Shared pieces of the navigation e2e tests: settings against a replica, pairing, truth."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kenny_wa.browser import auth
from kenny_wa.browser.auth import AuthState
from kenny_wa.config import Settings, load_settings
from kenny_wa.replica import ground_truth

CHROMIUM = "/usr/bin/chromium"


@contextlib.contextmanager
def bare_page(**page_args) -> Iterator:
    """A blank page in headless system Chromium, for page scripts on static content."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser.new_page(**page_args)
        finally:
            browser.close()


def settings_for(replica, tmp_path: Path, *, locale: str = "en-US", **env: str) -> Settings:
    values = {
        "WHATSAPP_WEB_URL": replica.url,
        "WHATSAPP_PROFILE_DIR": str(tmp_path / "profile"),
        "WHATSAPP_CHROMIUM_PATH": CHROMIUM,
        "KENNY_WA_STATE_DIR": str(tmp_path / "state"),
        "WHATSAPP_SCROLL_MIN_INTERVAL_MS": "0",
        "WHATSAPP_PAGE_TIMEOUT_SECONDS": "30",
        "WHATSAPP_BROWSER_LOCALE": locale,
        "WHATSAPP_HISTORY_STALL_ATTEMPTS": "3",
        **env,
    }
    return load_settings(values)


def pair(page, settings: Settings, replica) -> None:
    """Open the replica, wait for the QR, let the 'phone' scan it, wait for the chat list."""
    page.goto(settings.web_url, wait_until="domcontentloaded")
    state = auth.wait_for_state(page, frozenset({AuthState.QR, AuthState.MAIN}), 30_000)
    assert state in (AuthState.QR, AuthState.MAIN), state
    if state == AuthState.QR:
        replica.pair()  # scans now, or on the page's next poll of the QR screen
        state = auth.wait_for_state(page, auth.READY, 30_000)
    assert state in auth.READY, state
    assert auth.wait_for_ready(page, settings) in auth.READY


def expected_by_chat(
    truth: dict, cutoff: dt.datetime, *, unread: str = "defer", include_archived: bool = True
) -> dict[str, list[dict]]:
    """Ground-truth messages newer than the cutoff, per chat a sync with these settings (the
    defaults unless told) reads: archived chats included, chats still badged left for later."""
    chats = {c["thread_external_id"]: c for c in truth["chats"]
             if ground_truth.synced(c, unread=unread, include_archived=include_archived)}
    out: dict[str, list[dict]] = {
        jid: [] for jid, c in chats.items() if parse_ts(c["last_activity"]) >= cutoff
    }
    for m in truth["messages"]:
        if m["thread_external_id"] not in out:
            continue
        if parse_ts(m["ts"]) >= cutoff:
            out[m["thread_external_id"]].append(m)
    return out


def parse_ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def as_truth(message) -> dict:
    """A scraped Message in the ground truth's terms (the fields the scrape must get right)."""
    return {
        "external_id": message.external_id,
        "ts": message.ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_outgoing": message.is_outgoing,
        "kind": message.kind,
        "sender": None if message.is_outgoing else message.sender,
        "text": None if message.kind == "deleted" else message.text,
        "forwarded": message.forwarded,
        "deleted": message.deleted,
    }


def truth_view(m: dict) -> dict:
    return {
        "external_id": m["external_id"],
        "ts": m["ts"],
        "is_outgoing": m["is_outgoing"],
        "kind": m["kind"],
        "sender": None if m["is_outgoing"] else m["sender_id"],
        "text": m["content_snippet"],
        "forwarded": m["forwarded"],
        "deleted": m["deleted"],
    }
