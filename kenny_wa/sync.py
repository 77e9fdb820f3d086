"""One whole sync: lock the profile, open WhatsApp Web, stream chats into PostgreSQL.

This is the only place that joins the browser side (``kenny_wa.browser``) and the database
side (``kenny_wa.store``, ``kenny_wa.persist``). The CLI's ``sync --once`` and the Prefect
flow both call :func:`run_sync`.

Each chat's batch is committed in its own transaction together with that chat's cursor and
its deferred jobs, so a crash at any point loses nothing and a rerun duplicates nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from kenny_wa import errors, logs, persist, privacy, store
from kenny_wa.config import Settings
from kenny_wa.summary import SyncSummary

log = logs.get_logger(__name__)

# failures that space further runs out instead of hammering WhatsApp
BACK_OFF_KINDS = frozenset({"ui_drift", "rate_limited"})

# session status recorded in sync_state for each failure kind
_SESSION_STATUS = {
    "expired": "expired",
    "qr_required": "qr_required",
    "conflict": "conflict",
    "ui_drift": "ui_drift",
}


class Progress:
    """Counts for a person at a terminal; subclasses render them. The base class is silent."""

    def chat_done(self, done: int, total: int, messages: int, images: int = 0) -> None:  # pragma: no cover
        pass

    def close(self) -> None:  # pragma: no cover
        pass


def run_sync(
    settings: Settings,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    on_session_expired: Callable[[str], Any] | None = None,
) -> SyncSummary:
    """Run one sync and return its summary; never raises for the failures of errors.py."""
    progress = progress or Progress()
    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC)
    summary = SyncSummary(dry_run=dry_run)
    pg_url = store.resolve_pg_url(settings)
    try:
        conn = store.connect(pg_url)
    except errors.KennyWaError as exc:
        summary.fail(exc)
        summary.seconds = time.monotonic() - started
        return summary
    # closing(), not ``with conn``: leaving a connection block commits, which raises a raw
    # driver error when PostgreSQL went away mid-run (every commit here is explicit).
    with contextlib.closing(conn), contextlib.ExitStack() as stack:
        try:
            stack.enter_context(store.profile_lock(pg_url, str(settings.profile_dir)))
        except errors.KennyWaError as exc:  # another sync holds this profile: touch nothing
            summary.fail(exc)
            summary.seconds = round(time.monotonic() - started, 3)
            log.warning("sync_refused", kind=exc.status)
            return summary
        _run_locked(conn, settings, summary, progress, now, started, dry_run, on_session_expired)
    log.info(
        "sync_finished",
        status=summary.status,
        chats=summary.chats_synced,
        messages=summary.messages_fetched,
        upserts=summary.upserts,
        revised=summary.revised,
        swept=summary.chats_swept,
        retried=summary.chats_retried,
        seconds=summary.seconds,
    )
    return summary


def _run_locked(
    conn: store.Connection,
    settings: Settings,
    summary: SyncSummary,
    progress: Progress,
    now: dt.datetime,
    started: float,
    dry_run: bool,
    on_session_expired: Callable[[str], Any] | None,
) -> None:
    """The run itself, with the profile locked: browser, chats, one transaction per chat."""
    from kenny_wa.browser import auth, launch, scrape  # Playwright only when syncing

    run_id = None
    newest_seen: dt.datetime | None = None
    tracker = scrape.ScrapeProgress()
    chat_ref = None
    try:
        chat_ref = privacy.refs_for(settings)  # this installation's keyed refs
        if not dry_run:
            run_id = store.start_run(conn, profile=str(settings.profile_dir), dry_run=False)
            _sweep_temp_files(settings)
        cursors = store.get_cursors(conn)
        remembered = store.get_read_state(conn)
        rereads = _rereads(conn, settings, now)
        summary.sweep = rereads.sweep_since is not None
        store.commit(conn)
        summary.run_id = run_id
        journal = _Journal(conn, dry_run)
        with launch.browser_session(settings) as page:
            auth.wait_for_ready(page, settings)
            batches = scrape.scrape(page, settings, cursors=cursors, now=now, progress=tracker,
                                    remembered=remembered, journal=journal, rereads=rereads)
            for batch in batches:
                refused = None
                if not dry_run:
                    saved = persist.save_chat_batch(conn, batch, settings=settings)
                    _add_batch(summary, saved)
                    refused = saved.refused
                newest_seen = _count_batch(summary, batch, tracker, newest_seen, cursors, chat_ref, refused)
                progress.chat_done(
                    summary.chats_synced, tracker.chats_total, summary.messages_fetched,
                    summary.attachments_saved,
                )
            summary.chats_opened = tracker.chats_opened
            summary.chats_total = tracker.chats_total
            summary.chats_swept = tracker.chats_swept
            summary.chats_retried = tracker.chats_retried
            for chat_id, reason in tracker.still_partial:  # not reopened: a known limit, reported before
                summary.add_limited(chat_ref(chat_id), reason)
    except errors.KennyWaError as exc:
        with contextlib.suppress(errors.DatabaseUnavailable):  # the connection may be the casualty
            store.rollback(conn)
        summary.fail(exc)
        log.warning("sync_failed", kind=exc.status, chats_synced=summary.chats_synced)
        if isinstance(exc, errors.SessionExpired) and on_session_expired is not None:
            on_session_expired(exc.status)
    finally:
        progress.close()
        _count_read_state(summary, tracker, chat_ref)
    summary.seconds = round(time.monotonic() - started, 3)
    if run_id is not None:
        try:
            store.record_deferred(conn, tracker.deferred, now=now, settle=tracker.listed_all,
                                  titles=tracker.deferred_titles)
            _record(conn, settings, summary, run_id, newest_seen, now)
        except errors.DatabaseUnavailable as exc:  # the run cannot be recorded: say so
            if summary.status in ("ok", "partial"):
                summary.fail(exc)
            log.warning("sync_record_failed", kind=exc.status)


class _Journal:
    """The scrape's read-state journal in the database, committed at once (a dry run: none)."""

    def __init__(self, conn: store.Connection, dry_run: bool) -> None:
        self.conn, self.dry_run = conn, dry_run

    def opening(self, chat_id: str) -> None:
        if not self.dry_run:
            store.note_restore_pending(self.conn, chat_id)
            store.commit(self.conn)

    def restored(self, chat_id: str) -> None:
        if not self.dry_run:
            store.note_restored(self.conn, chat_id)
            store.commit(self.conn)


def _count_read_state(summary: SyncSummary, tracker, chat_ref: Callable[[str], str] | None) -> None:
    summary.chats_archived = tracker.chats_archived
    summary.deferred_unread = len(tracker.deferred)
    # chats are deferred only once the walk began, after the refs' key was read
    summary.deferred_chats = [chat_ref(c) for c in tracker.deferred] if chat_ref is not None else []
    summary.unread_restored = tracker.restored
    summary.unread_restore_failed = tracker.restore_failed


def _count_batch(summary: SyncSummary, batch, tracker, newest_seen: dt.datetime | None, cursors, chat_ref,
                 refused: str | None = None):
    """Add one chat's counts to the summary; return the newest message time seen so far (a
    refused batch's times are not: they are what the guard would not store)."""
    from kenny_wa.browser.scrape import known_partial

    summary.chats_total = tracker.chats_total
    summary.chats_opened = tracker.chats_opened
    summary.chats_synced += 1
    summary.messages_fetched += len(batch.messages)
    if refused is not None:
        summary.add_partial(chat_ref(batch.chat.chat_id), refused)
        return newest_seen
    if not batch.complete:
        reason = batch.partial_reason or "unknown"
        if reason == known_partial(cursors.get(batch.chat.chat_id)):
            # stopped again at the limit the last run already reported: not a new problem
            summary.add_limited(chat_ref(batch.chat.chat_id), reason)
        else:
            summary.add_partial(chat_ref(batch.chat.chat_id), reason)
    newest = max((m.ts for m in batch.messages), default=None)
    if newest is not None and (newest_seen is None or newest > newest_seen):
        return newest
    return newest_seen


def sweep_due(settings: Settings, last_sweep_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Pure: is the revision sweep due (every WHATSAPP_REVISION_SWEEP_HOURS, 0 = every run)?"""
    if settings.revision_sweep_hours == 0 or last_sweep_at is None:
        return True
    return now - last_sweep_at >= dt.timedelta(hours=settings.revision_sweep_hours)


def _rereads(conn, settings: Settings, now: dt.datetime):
    """What this run reads again besides new activity: the revision window when the sweep is
    due, and the chats with images to retry."""
    from kenny_wa.browser import scrape

    state = store.get_sync_state(conn) or {}
    due = sweep_due(settings, state.get("last_sweep_at"), now)
    cutoff = now - dt.timedelta(days=settings.lookback_days)
    return scrape.Rereads(
        sweep_since=now - dt.timedelta(hours=settings.revision_window_hours) if due else None,
        retry_since=persist.retry_since(conn, cutoff),
    )


def _sweep_temp_files(settings: Settings) -> None:
    """Remove temp files a killed earlier run left in ATTACHMENTS_DIR (never fails the run)."""
    from kenny_wa import media

    try:
        removed = media.sweep_temp_files(settings.attachments_dir)
    except OSError:
        return
    if removed:
        log.info("stale_temp_files_removed", count=removed)


def _add_batch(summary: SyncSummary, result: persist.BatchResult) -> None:
    summary.inserted += result.inserted
    summary.updated += result.updated
    summary.unchanged += result.unchanged
    summary.revised += result.revised
    summary.upserts += result.inserted + result.updated
    summary.attachments_saved += result.attachments_saved
    summary.attachments_failed += result.attachments_failed
    summary.extraction_jobs_enqueued += result.extraction_jobs
    summary.agent_jobs_enqueued += result.agent_jobs


def _record(conn, settings: Settings, summary: SyncSummary, run_id, newest_seen, now: dt.datetime) -> None:
    success = summary.status in ("ok", "partial")
    session = "logged_in" if success else _SESSION_STATUS.get(summary.error_kind or "")
    if session is None:  # a crash or a database error says nothing about the session
        previous = store.get_sync_state(conn)
        session = (previous or {}).get("session_status") or "unknown"
    store.finish_run(conn, run_id, summary.as_dict())
    store.record_sync_state(
        conn,
        session_status=session,
        last_seen_ts=newest_seen,
        success=success,
        interval_minutes=settings.interval_minutes,
        back_off=summary.error_kind in BACK_OFF_KINDS,
    )
    if success and summary.sweep:  # every chat of the window was read (some maybe partial)
        store.record_sweep(conn, now)
    store.commit(conn)
