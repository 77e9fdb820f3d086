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


# README "Exit codes": what scripts and Prefect read from a finished run
@pytest.mark.parametrize(
    ("status", "error_kind", "code"),
    [
        ("ok", None, 0),
        ("skipped", "backoff", 0),  # a scheduled run backed off: nothing went wrong
        ("partial", None, 3),
        ("expired", errors.SessionExpired.status, 4),
        ("conflict", "conflict", 5),
        ("ui_drift", "ui_drift", 6),
        ("error", errors.ProfileInUse.status, 7),
        ("error", errors.PageTimeout.status, 13),
        ("error", None, 1),  # a failure of no known kind
        ("error", "no_such_kind", 1),
    ],
)
def test_each_status_ends_with_its_documented_exit_code(status, error_kind, code):
    assert SyncSummary(status=status, error_kind=error_kind).exit_code == code


def test_every_status_is_covered_by_the_exit_code_table():
    assert set(STATUSES) == {"ok", "skipped", "partial", "expired", "conflict", "ui_drift", "error"}


def test_a_new_summary_is_a_complete_ok_run_with_nothing_counted():
    summary = SyncSummary()
    assert (summary.status, summary.complete, summary.exit_code) == ("ok", True, 0)
    counts = {k: v for k, v in summary.as_dict().items() if isinstance(v, int) and not isinstance(v, bool)}
    assert counts and set(counts.values()) == {0}


def test_refused_chats_are_counted_by_reason():
    summary = SyncSummary()
    summary.add_partial("chat-1", "ambiguous_dates")
    summary.add_partial("chat-2", "future_timestamp")
    summary.add_partial("chat-3", "ambiguous_dates")
    summary.add_partial("chat-4", "phone_prompt")  # partial, but nothing was refused
    assert summary.refused_chats == {"ambiguous_dates": 2, "future_timestamp": 1}
    assert summary.status == "partial" and summary.as_dict()["refused_chats"] == summary.refused_chats
