"""Per-chat cursors, the per-source sync state, run records, and the status/metrics reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import psycopg
from psycopg.types.json import Jsonb

from kenny_wa.guards import REFUSAL_REASONS, not_after
from kenny_wa.store import db
from kenny_wa.store.queries import QUERIES
from kenny_wa.store.text import clean_json, clean_text

SOURCE = "whatsapp"
MAX_BACKOFF = dt.timedelta(hours=6)  # also capped in the sync_state_record query

# run columns finish_run copies from a summary dict; other keys are ignored
RUN_COUNTS = (
    "chats_total",
    "chats_synced",
    "chats_opened",
    "messages_fetched",
    "inserted",
    "updated",
    "unchanged",
    "revised",
    "upserts",
    "attachments_saved",
    "attachments_failed",
    "extraction_jobs_enqueued",
    "agent_jobs_enqueued",
    "errors",
    "chats_archived",
    "deferred_unread",
    "unread_restored",
    "unread_restore_failed",
)


class Cursor(NamedTuple):
    """How far a chat was synced."""

    newest_ts: dt.datetime | None
    newest_external_id: str | None
    last_activity: dt.datetime | None
    complete: bool | None
    partial_reason: str | None = None
    read_at: dt.datetime | None = None  # when the latest read of the chat began


@db.boundary
def get_cursors(conn: psycopg.Connection, source: str = SOURCE) -> dict[str, Cursor]:
    """Every chat's cursor, keyed by chat id."""
    rows = db.cursor(conn).execute(QUERIES["cursors_get"], {"source": source}).fetchall()
    return {
        r["chat_id"]: Cursor(
            r["newest_ts"], r["newest_external_id"], r["last_activity"], r["complete"], r["partial_reason"],
            r["read_at"],
        )
        for r in rows
    }


@db.boundary
def advance_cursor(
    conn: psycopg.Connection,
    chat_id: str,
    newest_ts: dt.datetime | None,
    newest_external_id: str | None,
    last_activity: dt.datetime | None,
    complete: bool,
    partial_reason: str | None = None,
    *,
    read_at: dt.datetime | None = None,
    source: str = SOURCE,
) -> None:
    """Move a chat's cursor forward (``newest_ts``/``last_activity`` never go backwards, and
    never past now: a time from the future would hide every message until then).

    ``complete``/``partial_reason`` always describe the latest sync of the chat: a chat left
    incomplete must be read back to the lookback cutoff next time, whatever its newest_ts.
    ``read_at`` is when this read began (None: nothing was read, the earlier one is kept).
    """
    now = dt.datetime.now(dt.UTC)
    db.cursor(conn).execute(
        QUERIES["cursor_advance"],
        {
            "source": source,
            "chat_id": clean_text(chat_id),
            "newest_ts": not_after(newest_ts, now),
            "newest_external_id": clean_text(newest_external_id),
            "last_activity": not_after(last_activity, now),
            "complete": complete,
            "partial_reason": clean_text(partial_reason),
            "read_at": read_at,
        },
    )


@db.boundary
def start_run(conn: psycopg.Connection, profile: str | None, dry_run: bool = False) -> int:
    """Open a run record (status 'running'); returns its id."""
    row = (
        db.cursor(conn)
        .execute(QUERIES["run_start"], {"profile": clean_text(profile), "dry_run": dry_run})
        .fetchone()
    )
    assert row is not None
    return int(row["id"])


@db.boundary
def finish_run(conn: psycopg.Connection, run_id: int | None, summary: Mapping[str, Any]) -> None:
    """Close a run record with ``summary`` (a ``SyncSummary.as_dict()``-shaped mapping).

    Known keys: ``status``, ``error_kind``, ``complete``, ``partial_chats`` (list of
    ``{chat_id, reason}``), ``seconds`` and the counts of :data:`RUN_COUNTS`; other keys are
    ignored, missing ones keep their value. A ``None`` run id (dry run) does nothing.
    """
    if run_id is None:
        return
    params: dict[str, Any] = {name: summary.get(name) for name in RUN_COUNTS}
    partial = summary.get("partial_chats")
    deferred = summary.get("deferred_chats")
    params.update(
        deferred_chats=None if deferred is None else Jsonb(clean_json(list(deferred))),
        run_id=run_id,
        status=clean_text(summary.get("status")),
        error_kind=clean_text(summary.get("error_kind")),
        complete=summary.get("complete"),
        partial_chats=None if partial is None else Jsonb(clean_json(list(partial))),
        seconds=summary.get("seconds"),
    )
    db.cursor(conn).execute(QUERIES["run_finish"], params)


@db.boundary
def get_run(conn: psycopg.Connection, run_id: int) -> dict[str, Any] | None:
    """One run record as a dict, or None."""
    row = db.cursor(conn).execute(QUERIES["run_get"], {"run_id": run_id}).fetchone()
    return None if row is None else dict(row)


@db.boundary
def record_sync_state(
    conn: psycopg.Connection,
    *,
    session_status: str,
    success: bool,
    last_seen_ts: dt.datetime | None = None,
    interval_minutes: float = 10,
    back_off: bool = False,
    source: str = SOURCE,
) -> None:
    """Record a run's outcome in ``sync_state``.

    Success resets ``consecutive_failures`` to 0, sets ``last_success_at`` and clears the
    backoff. A failure counts up; with ``back_off`` (UI drift, HTTP 429) the n-th failure in a
    row sets ``backoff_until = now + min(interval * (2^(n-1) - 1), 6 h)``, so the first one
    lets the next scheduled run go ahead. ``last_seen_ts`` only moves forward, never past now.
    """
    db.cursor(conn).execute(
        QUERIES["sync_state_record"],
        {
            "source": source,
            "session_status": clean_text(session_status),
            "success": success,
            "back_off": back_off,
            "last_seen_ts": not_after(last_seen_ts, dt.datetime.now(dt.UTC)),
            "interval": dt.timedelta(minutes=interval_minutes),
        },
    )


@db.boundary
def get_sync_state(conn: psycopg.Connection, source: str = SOURCE) -> dict[str, Any] | None:
    """The ``sync_state`` row of ``source`` as a dict, or None before the first run."""
    row = db.cursor(conn).execute(QUERIES["sync_state_get"], {"source": source}).fetchone()
    return None if row is None else dict(row)


@db.boundary
def record_sweep(conn: psycopg.Connection, at: dt.datetime, source: str = SOURCE) -> None:
    """A run finished the revision sweep it began at ``at`` (after its run was recorded)."""
    db.cursor(conn).execute(QUERIES["sync_state_swept"], {"source": source, "at": at})


@db.boundary
def record_paired(conn: psycopg.Connection, source: str = SOURCE) -> None:
    """After a successful `kenny-wa login`: the session is logged in again."""
    db.cursor(conn).execute(QUERIES["sync_state_paired"], {"source": source})


@db.boundary
def last_run(conn: psycopg.Connection) -> dict[str, Any] | None:
    """The latest run record (finished or not), or None before the first run."""
    row = db.cursor(conn).execute(QUERIES["status_last_run"]).fetchone()
    return None if row is None else dict(row)


@db.boundary
def status_summary(conn: psycopg.Connection, source: str = SOURCE) -> dict[str, Any]:
    """What `kenny-wa status` shows, JSON-ready (datetimes as ISO strings): session status,
    last successful sync, backoff, the latest run, row counts and attachments by status (the
    jobs by queue and status come from ``kenny_wa.jobs.queue_counts``)."""
    cur = db.cursor(conn)
    state = get_sync_state.__wrapped__(conn, source) or {}  # type: ignore[attr-defined]
    counts = cur.execute(QUERIES["status_row_counts"], {"platform": source}).fetchone() or {}
    by_status = cur.execute(QUERIES["status_attachments_by_status"], {"platform": source})
    attachments = {r["status"]: r["n"] for r in by_status.fetchall()}
    latest = last_run.__wrapped__(conn)  # type: ignore[attr-defined]
    return _jsonable(
        {
            "source": source,
            "session_status": state.get("session_status", "unknown"),
            "last_success_at": state.get("last_success_at"),
            "last_run_at": state.get("last_run_at"),
            "last_seen_ts": state.get("last_seen_ts"),
            "consecutive_failures": state.get("consecutive_failures", 0),
            "backoff_until": state.get("backoff_until"),
            "last_run": latest,
            "rows": dict(counts),
            "attachments_by_status": attachments,
        }
    )


@db.boundary
def metrics_snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    """Totals for /metrics over non-dry runs: messages_fetched, upserts, attachments_saved,
    extraction_jobs_enqueued, errors, runs; plus last_cycle_seconds, runs_by_status and
    refused_by_reason (chats whose messages were refused, by guards.REFUSAL_REASONS reason)."""
    cur = db.cursor(conn)
    totals = dict(cur.execute(QUERIES["metrics_totals"]).fetchone() or {})
    last = cur.execute(QUERIES["metrics_last_cycle"]).fetchone()
    by_status = cur.execute(QUERIES["metrics_runs_by_status"]).fetchall()
    refused = cur.execute(QUERIES["metrics_refused_by_reason"], {"reasons": list(REFUSAL_REASONS)}).fetchall()
    snapshot = {k: int(v) for k, v in totals.items()}
    snapshot["last_cycle_seconds"] = None if last is None else last["seconds"]
    snapshot["runs_by_status"] = {r["status"]: r["n"] for r in by_status}
    snapshot["refused_by_reason"] = {r["reason"]: r["n"] for r in refused}
    return snapshot


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
