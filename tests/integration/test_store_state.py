"""Cursors, run records, sync_state backoff, status/metrics reads, the profile lock."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kenny_wa import errors, store

T = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_cursor_never_moves_backwards(db_conn):
    store.advance_cursor(db_conn, "c1@c.us", T, "M5", T, True, None)
    store.advance_cursor(
        db_conn, "c1@c.us", T - dt.timedelta(days=1), "M1", T - dt.timedelta(days=2), False, "stalled"
    )
    cursor = store.get_cursors(db_conn)["c1@c.us"]
    assert cursor == store.Cursor(T, "M5", T, False, "stalled")
    store.advance_cursor(db_conn, "c1@c.us", None, None, None, True, None)
    assert store.get_cursors(db_conn)["c1@c.us"] == store.Cursor(T, "M5", T, True)
    later = T + dt.timedelta(minutes=1)
    store.advance_cursor(db_conn, "c1@c.us", later, "M9", later, True, None)
    assert store.get_cursors(db_conn)["c1@c.us"] == store.Cursor(later, "M9", later, True)
    reason = db_conn.execute("SELECT partial_reason FROM chat_cursors").fetchone()["partial_reason"]
    assert reason is None


def test_runs_are_recorded(db_conn):
    run_id = store.start_run(db_conn, profile="/data/whatsapp_profile", dry_run=False)
    assert store.get_run(db_conn, run_id)["status"] == "running"
    summary = {
        "status": "partial",
        "complete": False,
        "chats_synced": 3,
        "chats_opened": 2,
        "messages_fetched": 40,
        "inserted": 30,
        "updated": 2,
        "unchanged": 8,
        "upserts": 32,
        "attachments_saved": 1,
        "attachments_failed": 1,
        "extraction_jobs_enqueued": 1,
        "agent_jobs_enqueued": 0,
        "errors": 0,
        "seconds": 12.5,
        "chats_total": 3,
        "partial_chats": [{"chat_id": "c1@c.us", "reason": "stalled"}],
        "dry_run": False,
        "run_id": run_id,
        "error_kind": None,
        "error_message": None,
    }
    store.finish_run(db_conn, run_id, summary)
    run = store.get_run(db_conn, run_id)
    assert run["finished_at"] is not None
    for key in ("status", "complete", "messages_fetched", "upserts", "seconds", "partial_chats"):
        assert run[key] == summary[key], key
    store.finish_run(db_conn, None, summary)  # dry runs have no record: no-op


def test_finish_run_without_seconds_measures_them(db_conn):
    run_id = store.start_run(db_conn, profile="p", dry_run=True)
    store.finish_run(db_conn, run_id, {"status": "error", "error_kind": "db_unavailable", "errors": 1})
    run = store.get_run(db_conn, run_id)
    assert run["seconds"] >= 0 and run["error_kind"] == "db_unavailable" and run["dry_run"]


def test_sync_state_backoff_and_reset(db_conn):
    def state():
        return store.get_sync_state(db_conn)

    now = db_conn.execute("SELECT now() AS now").fetchone()["now"]

    def fail(back_off=True):
        store.record_sync_state(
            db_conn, session_status="ui_drift", success=False, interval_minutes=10, back_off=back_off
        )

    fail()
    s = state()
    assert s["consecutive_failures"] == 1 and s["last_success_at"] is None
    assert s["backoff_until"] is None  # the first failure lets the next scheduled run go ahead
    fail()
    assert state()["backoff_until"] - now == dt.timedelta(minutes=10)
    fail()
    assert state()["backoff_until"] - now == dt.timedelta(minutes=30)
    for _ in range(9):
        fail()
    s = state()
    assert s["consecutive_failures"] == 12
    assert s["backoff_until"] - now == dt.timedelta(hours=6)
    fail(back_off=False)  # an expired session or a crash does not space runs out
    s = state()
    assert s["consecutive_failures"] == 13 and s["backoff_until"] is None
    store.record_sync_state(db_conn, session_status="logged_in", success=True, last_seen_ts=T)
    s = state()
    assert (s["consecutive_failures"], s["backoff_until"], s["session_status"]) == (0, None, "logged_in")
    assert s["last_success_at"] is not None and s["last_seen_ts"] == T
    store.record_sync_state(
        db_conn, session_status="logged_in", success=True, last_seen_ts=T - dt.timedelta(days=1)
    )
    assert state()["last_seen_ts"] == T


def test_status_summary_and_metrics(db_conn):
    assert store.get_sync_state(db_conn) is None
    empty = store.status_summary(db_conn)
    assert empty["session_status"] == "unknown" and empty["rows"]["messages"] == 0
    run_id = store.start_run(db_conn, profile="p")
    store.finish_run(
        db_conn, run_id, {"status": "ok", "messages_fetched": 5, "upserts": 4, "errors": 0, "seconds": 2.0}
    )
    run_id = store.start_run(db_conn, profile="p")
    store.finish_run(
        db_conn, run_id, {"status": "expired", "messages_fetched": 1, "errors": 1, "seconds": 3.0}
    )
    store.record_sync_state(db_conn, session_status="logged_in", success=True, last_seen_ts=T)
    summary = store.status_summary(db_conn)
    json.dumps(summary)  # JSON-ready
    assert summary["session_status"] == "logged_in"
    assert summary["last_seen_ts"] == T.isoformat()
    assert summary["rows"]["sync_runs"] == 2
    assert summary["last_run"]["status"] == "expired"

    metrics = store.metrics_snapshot(db_conn)
    assert metrics["messages_fetched"] == 6 and metrics["upserts"] == 4 and metrics["errors"] == 1
    assert metrics["runs"] == 2 and metrics["last_cycle_seconds"] == 3.0
    assert metrics["runs_by_status"] == {"ok": 1, "expired": 1}


def test_profile_lock_refuses_a_second_holder(db_url):
    with store.connect(db_url, autocommit=True) as a, store.connect(db_url, autocommit=True) as b:
        assert store.try_profile_lock(a, "/data/profile")
        assert not store.try_profile_lock(b, "/data/profile")
        assert store.try_profile_lock(b, "/data/other")
        assert store.release_profile_lock(a, "/data/profile")
        assert store.try_profile_lock(b, "/data/profile")


def test_profile_lock_context_manager(db_url):
    with store.profile_lock(db_url, "/p"):
        with pytest.raises(errors.ProfileInUse):
            with store.profile_lock(db_url, "/p"):
                pass
    with store.profile_lock(db_url, "/p"):  # released on exit
        pass


def test_ping(db_conn):
    assert store.ping(db_conn)


def test_cursor_and_last_seen_never_move_past_now(db_conn):
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    store.advance_cursor(db_conn, "c1", future, "F1", future, True)
    cursor = store.get_cursors(db_conn)["c1"]
    now = dt.datetime.now(dt.UTC)
    assert cursor.newest_ts <= now and cursor.last_activity <= now
    store.record_sync_state(db_conn, session_status="logged_in", success=True, last_seen_ts=future)
    assert store.get_sync_state(db_conn)["last_seen_ts"] <= dt.datetime.now(dt.UTC)


def test_metrics_count_refused_chats_by_reason(db_conn):
    run_id = store.start_run(db_conn, profile="p")
    partial = [{"chat_id": "a", "reason": "ambiguous_dates"}, {"chat_id": "b", "reason": "phone_prompt"},
               {"chat_id": "c", "reason": "future_timestamp"}, {"chat_id": "d", "reason": "ambiguous_dates"}]
    store.finish_run(db_conn, run_id, {"status": "partial", "partial_chats": partial, "seconds": 1.0})
    dry = store.start_run(db_conn, profile="p", dry_run=True)
    store.finish_run(db_conn, dry, {"status": "partial", "partial_chats": partial[:1], "seconds": 1.0})
    metrics = store.metrics_snapshot(db_conn)
    assert metrics["refused_by_reason"] == {"ambiguous_dates": 2, "future_timestamp": 1}
def test_cursor_read_at_is_the_latest_read_and_a_batch_without_a_read_keeps_it(db_conn):
    read = T + dt.timedelta(minutes=5)
    store.advance_cursor(db_conn, "c2@c.us", T, "M1", T, True, None, read_at=read)
    assert store.get_cursors(db_conn)["c2@c.us"].read_at == read
    store.advance_cursor(db_conn, "c2@c.us", None, None, None, False, "open_failed")
    assert store.get_cursors(db_conn)["c2@c.us"].read_at == read
    store.advance_cursor(db_conn, "c2@c.us", T, "M1", T, True, None, read_at=read + dt.timedelta(hours=1))
    assert store.get_cursors(db_conn)["c2@c.us"].read_at == read + dt.timedelta(hours=1)


def test_the_last_sweep_is_recorded_in_sync_state(db_conn):
    store.record_sync_state(db_conn, session_status="logged_in", success=True)
    assert store.get_sync_state(db_conn)["last_sweep_at"] is None
    store.record_sweep(db_conn, T)
    store.record_sweep(db_conn, T - dt.timedelta(hours=1))  # never backwards
    assert store.get_sync_state(db_conn)["last_sweep_at"] == T
