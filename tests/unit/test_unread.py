"""The unread policy's decision: may a chat that needs reading be opened, and how."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa import unread
from kenny_wa.config import Settings
from kenny_wa.unread import DEFER, READ, RESTORE, Remembered

NOW = dt.datetime(2026, 9, 10, 12, 0, tzinfo=dt.UTC)


def decide(badged, policy="defer", hours=24, deferred_ago=None, pending=False):
    remembered = Remembered(
        None if deferred_ago is None else NOW - deferred_ago,
        NOW - dt.timedelta(minutes=5) if pending else None,
    )
    settings = Settings(unread_chats=policy, unread_defer_hours=hours)
    return unread.decide(badged=badged, settings=settings, remembered=remembered, now=NOW)


@pytest.mark.parametrize("policy", ["defer", "restore", "read"])
def test_a_chat_without_badge_is_read_under_every_policy(policy):
    assert decide(False, policy) == READ


def test_defaults_defer_a_badged_chat():
    assert Settings().unread_chats == "defer" and Settings().unread_defer_hours == 24
    assert decide(True) == DEFER
    assert unread.decide(badged=True, settings=Settings(), remembered=None, now=NOW) == DEFER


def test_restore_and_read_open_a_badged_chat():
    assert decide(True, "restore") == RESTORE
    assert decide(True, "read") == READ


def test_deferred_longer_than_the_limit_is_read_the_restore_way():
    assert decide(True, deferred_ago=dt.timedelta(hours=23, minutes=59)) == DEFER
    assert decide(True, deferred_ago=dt.timedelta(hours=24)) == RESTORE
    assert decide(True, hours=2, deferred_ago=dt.timedelta(hours=3)) == RESTORE


def test_zero_hours_defers_without_limit():
    assert decide(True, hours=0, deferred_ago=dt.timedelta(days=400)) == DEFER


def test_a_chat_a_killed_run_left_read_is_restored():
    # its badge is gone because kenny-wa read it, not the person
    assert decide(False, "defer", pending=True) == RESTORE
    assert decide(False, "restore", pending=True) == RESTORE
    assert decide(False, "read", pending=True) == READ


def test_restore_without_opening_only_for_a_pending_chat_without_its_badge():
    settings = Settings()
    pending = Remembered(None, NOW)
    assert unread.restore_without_opening(badged=False, settings=settings, remembered=pending)
    assert not unread.restore_without_opening(badged=True, settings=settings, remembered=pending)
    assert not unread.restore_without_opening(badged=False, settings=settings, remembered=Remembered())
    assert not unread.restore_without_opening(badged=False, settings=settings, remembered=None)
    read = Settings(unread_chats="read")
    assert not unread.restore_without_opening(badged=False, settings=read, remembered=pending)
