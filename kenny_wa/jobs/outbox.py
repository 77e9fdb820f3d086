"""Deferral inside the caller's transaction (the outbox).

``defer_extractions`` and ``defer_agent_messages`` write their job rows on the caller's
``psycopg.Connection``: the jobs commit or roll back with the messages and attachments that
caused them, so a crash never loses a job and a rerun never duplicates one. They need no open
app: Procrastinate's ``JobManager.batch_defer_jobs(connection=…)`` runs its own ``defer_jobs``
query on that connection (the app's connector, used synchronously before it is opened, hands
out a sync connector that needs no pool for it). The app must not be opened *asynchronously* in
the same process meanwhile (a worker's process only runs jobs; it defers nothing).

One job per id, with the queueing lock ``<prefix><id>``: an id whose job is still ``todo``
(Procrastinate's unique index on the queueing lock of waiting jobs) is skipped. Every batch
runs in a savepoint, so a conflict never aborts the caller's transaction; a batch that meets
one is split in halves until the waiting ids stand alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator

import psycopg
from procrastinate import exceptions as pexc
from procrastinate import jobs as pjobs

from kenny_wa import errors, logs, store
from kenny_wa.jobs import extraction, handoff
from kenny_wa.jobs.application import app

log = logs.get_logger("kenny_wa.jobs")  # one logger name for the package, as before the split


@dataclasses.dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of job the outbox defers: its task, its single argument, its lock, its log event."""

    task: str
    arg: str
    lock_prefix: str
    event: str


_EXTRACTIONS = _Kind(extraction.TASK, extraction.ARG, extraction.LOCK_PREFIX, "jobs.extractions_deferred")
_AGENT_MESSAGES = _Kind(
    handoff.TASK, handoff.ARG, handoff.LOCK_PREFIX, "jobs.agent_messages_deferred"
)


def defer_extractions(conn: psycopg.Connection, attachment_ids: Iterable[int]) -> int:
    """Defer ``kenny_wa.extract_attachment`` for each attachment id, in ``conn``'s transaction.

    One job per id (queueing lock ``attachment:<id>``; an id already waiting is skipped).
    The jobs exist only if the caller commits. ``extraction_status`` is left ``awaiting``.
    Returns the number of jobs deferred.
    """
    return _defer(conn, _EXTRACTIONS, attachment_ids)


def defer_agent_messages(conn: psycopg.Connection, message_ids: Iterable[int]) -> int:
    """Defer ``kenny_wa.agent_message`` for each message id, in ``conn``'s transaction.

    One job per id (queueing lock ``message:<id>``; an id already waiting is skipped).
    "Once per message" across runs is the caller's part: defer only for rows it *inserted*.
    Returns the number of jobs deferred.
    """
    return _defer(conn, _AGENT_MESSAGES, message_ids)


def backfill_extractions(conn: psycopg.Connection) -> int:
    """Re-defer every stored attachment that never got an extraction (status ``awaiting``).

    Runs in ``conn``'s transaction (the caller commits). Returns the number of jobs
    deferred (attachments whose job is already waiting are not counted). Attachments whose
    extraction ``failed`` are not retried: that outcome is recorded in ``extractions``.
    """
    ids = store.attachments_awaiting_extraction(conn)
    count = defer_extractions(conn, ids)
    log.info("jobs.backfill_deferred", candidates=len(ids), deferred=count)
    return count


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn driver errors, raw or wrapped by Procrastinate, into ``DatabaseUnavailable``."""
    try:
        yield
    except psycopg.Error as exc:
        raise store.db.translate(exc) from None
    except pexc.ConnectorException as exc:
        cause = exc.__cause__
        if isinstance(cause, psycopg.Error):
            raise store.db.translate(cause) from None
        raise errors.DatabaseUnavailable() from None


def _defer(conn: psycopg.Connection, kind: _Kind, ids: Iterable[int]) -> int:
    """Defer one job of ``kind`` per id on ``conn``; skip ids already waiting; return how many."""
    task = app.tasks[kind.task]
    jobs = [  # the task's own job template (queue, priority, ...), as its defer() would build it
        task.configure(queueing_lock=f"{kind.lock_prefix}{value}", task_kwargs={kind.arg: value}).job
        for value in _unique_ids(ids)
    ]
    count = 0
    if jobs:
        with translated_errors():
            count = _defer_jobs(conn, jobs)
    log.debug(kind.event, count=count)
    return count


def _defer_jobs(conn: psycopg.Connection, jobs: list[pjobs.Job]) -> int:
    """Defer ``jobs`` in one savepoint; if one of them is already waiting, each half on its own.

    One statement when nothing conflicts, about two per job when everything does.
    """
    try:
        with conn.transaction():
            app.job_manager.batch_defer_jobs(jobs, connection=conn)
        return len(jobs)
    except pexc.AlreadyEnqueued:
        if len(jobs) == 1:
            return 0
    half = len(jobs) // 2
    return _defer_jobs(conn, jobs[:half]) + _defer_jobs(conn, jobs[half:])


def _unique_ids(ids: Iterable[int]) -> list[int]:
    seen: dict[int, None] = {}
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("job ids must be integers")
        seen.setdefault(value, None)
    return list(seen)
