from __future__ import annotations

import pytest

from kenny_wa import errors
from kenny_wa.summary import STATUSES, SyncSummary


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.SessionExpired(), "expired", 4),
        (errors.QrRequired(), "expired", 4),
        (errors.Conflict(), "conflict", 5),
        (errors.UiDrift(), "ui_drift", 6),
        (errors.ProfileInUse(), "error", 7),
        (errors.DatabaseUnavailable(), "error", 8),
        (errors.RateLimited(), "error", 9),
        (errors.BrowserCrashed(), "error", 11),
    ],
)
def test_failures_map_to_a_status_and_exit_code(error, status, code):
    summary = SyncSummary()
    summary.fail(error)
    assert summary.status == status and summary.exit_code == code
    assert summary.complete is False and summary.errors == 1
    assert summary.error_kind == error.status


def test_a_partial_chat_makes_the_run_partial_but_not_a_failure():
    summary = SyncSummary()
    summary.add_partial("chat-0123456789ab", "phone_prompt")
    assert (summary.status, summary.exit_code, summary.complete) == ("partial", 3, False)
    summary.fail(errors.SessionExpired())
    assert summary.status == "expired"  # a failure outranks partial


def test_every_status_has_an_exit_code():
    for status in STATUSES:
        summary = SyncSummary(status=status, error_kind=None if status != "error" else "error")
        assert isinstance(summary.exit_code, int)
    assert SyncSummary().exit_code == 0


def test_refused_chats_are_counted_by_reason():
    summary = SyncSummary()
    summary.add_partial("chat-1", "ambiguous_dates")
    summary.add_partial("chat-2", "future_timestamp")
    summary.add_partial("chat-3", "ambiguous_dates")
    summary.add_partial("chat-4", "phone_prompt")  # partial, but nothing was refused
    assert summary.refused_chats == {"ambiguous_dates": 2, "future_timestamp": 1}
    assert summary.status == "partial" and summary.as_dict()["refused_chats"] == summary.refused_chats
