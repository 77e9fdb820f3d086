"""The backoff decision the flow's first task makes (pure)."""

from __future__ import annotations

import datetime as dt

from kenny_wa import backoff

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def test_no_state_runs():
    assert backoff.decide(None, NOW) == backoff.Decision(skip=False)
    assert backoff.decide({}, NOW).skip is False


def test_future_backoff_skips_with_reason_and_until():
    until = NOW + dt.timedelta(minutes=20)
    decision = backoff.decide({"consecutive_failures": 2, "backoff_until": until}, NOW)
    assert decision.skip and decision.reason == "backoff"
    assert decision.until == until and decision.consecutive_failures == 2
    assert decision.as_dict() == {
        "skip": True,
        "reason": "backoff",
        "until": until.isoformat(),
        "consecutive_failures": 2,
    }


def test_past_or_equal_backoff_runs():
    assert not backoff.decide({"consecutive_failures": 3, "backoff_until": NOW}, NOW).skip
    assert not backoff.decide({"backoff_until": NOW - dt.timedelta(seconds=1)}, NOW).skip


def test_success_state_runs():
    state = {"consecutive_failures": 0, "backoff_until": None, "last_success_at": NOW}
    assert backoff.decide(state, NOW).skip is False


def test_naive_and_string_timestamps_are_utc():
    naive = (NOW + dt.timedelta(minutes=5)).replace(tzinfo=None)
    assert backoff.decide({"backoff_until": naive}, NOW).skip
    assert backoff.decide({"backoff_until": (NOW + dt.timedelta(minutes=5)).isoformat()}, NOW).skip
    other_zone = NOW.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert backoff.decide({"backoff_until": NOW + dt.timedelta(minutes=1)}, other_zone).skip
