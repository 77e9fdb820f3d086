"""The Procrastinate app, its tasks, and transactional deferral (the outbox).

Queues and tasks (names are explicit and are the contract with the ``procrastinate_jobs``
table; never rename one without an alias):

=============================== ============ =================== ============================
task                            queue        queueing lock       args
=============================== ============ =================== ============================
``kenny_wa.extract_attachment`` extraction   ``attachment:<id>`` ``attachment_id: int``
``kenny_wa.agent_message``      agent        ``message:<id>``    ``message_id: int``
``kenny_wa.retry_stalled_jobs`` maintenance  retry_stalled_jobs  ``timestamp`` (periodic)
=============================== ============ =================== ============================

Deferral happens **inside the caller's transaction** (``defer_extractions``,
``defer_agent_messages``): the job rows commit or roll back with the messages and attachments
that caused them, so a crash never loses a job and a rerun never duplicates one. Those
functions need no open app: they run Procrastinate's own ``defer_jobs`` query on the
caller's ``psycopg.Connection`` (``JobManager.batch_defer_jobs(connection=…)``, new in 3.8),
through a never-opened ``SyncPsycopgConnector`` that owns no pool.

Extraction status of an attachment (``attachments.extraction_status``): deferring does
**not** change it (it stays ``awaiting`` until processed, so ``awaiting`` means "no result
yet" whether or not a job is queued). The job sets ``done`` on success, ``failed`` when the
extractor or the file fails (with an ``extractions`` row saying why), ``not_applicable``
when there is no stored file. With ``IMAGE_PROCESSING_ENABLED=false`` the job is a no-op and
the attachment stays ``awaiting``. With the flag on and ``KENNY_WA_EXTRACTOR`` unset, the
built-in ``ocr`` extractor runs. A ``KENNY_WA_EXTRACTOR`` naming nothing registered fails
the job with ``ConfigError`` and leaves the attachment ``awaiting`` (a configuration
problem, not a property of the image: once fixed, ``kenny-wa extract --backfill`` picks it
up again); ``kenny-wa worker`` refuses to start with it (exit 2).

The database URL is resolved when the app is *opened*, never at import: ``use_database(url)``
(what ``run_worker`` does) wins, then ``$KENNY_WA_PG_URL``, then ``PG_URL`` / the embedded
PostgreSQL through ``kenny_wa.store.resolve_pg_url(settings)``. So
``python -m procrastinate --app=kenny_wa.jobs.app worker`` works too (add ``-q
extraction,agent,maintenance``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import procrastinate
import psycopg
import psycopg.rows
import psycopg_pool
from procrastinate import exceptions as pexc
from procrastinate import jobs as pjobs
from procrastinate import manager as pmanager
from procrastinate.sync_psycopg_connector import SyncPsycopgConnector

from kenny_wa import errors, extractors, logs, store
from kenny_wa.config import Settings, load_settings

log = logs.get_logger(__name__)

URL_ENV_VAR = "KENNY_WA_PG_URL"
EXTRACT_TASK = "kenny_wa.extract_attachment"
AGENT_TASK = "kenny_wa.agent_message"
SWEEPER_TASK = "kenny_wa.retry_stalled_jobs"
EXTRACTION_QUEUE = "extraction"
AGENT_QUEUE = "agent"
MAINTENANCE_QUEUE = "maintenance"
STALLED_AFTER_SECONDS = 30  # a worker whose heartbeat is older than this is considered dead

_url_override: str | None = None
_settings_override: Settings | None = None


# ---------------------------------------------------------------------------------------
# Database URL and connectors (resolved at open time)


def database_url() -> str:
    """The database the app talks to, resolved now (see the module docstring)."""
    if _url_override:
        return _url_override
    from_env = os.environ.get(URL_ENV_VAR, "").strip()
    if from_env:
        return from_env
    return store.resolve_pg_url(load_settings())


def runtime_settings() -> Settings:
    """The settings a job runs with: ``use_database(settings=…)``'s, else the environment's.

    Read when each job runs, never at import.
    """
    return _settings_override if _settings_override is not None else load_settings()


@contextlib.contextmanager
def use_database(url: str, settings: Settings | None = None) -> Iterator[None]:
    """Make the app and its tasks use ``url`` (and ``settings``, if given) inside this block."""
    global _url_override, _settings_override
    previous = _url_override, _settings_override
    _url_override, _settings_override = url, settings
    try:
        yield
    finally:
        _url_override, _settings_override = previous


class LazySyncPsycopgConnector(SyncPsycopgConnector):
    """A ``SyncPsycopgConnector`` whose conninfo is computed each time it opens."""

    def __init__(self, *, conninfo: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._conninfo = conninfo
        self._base_pool_args = dict(self._pool_args)

    def open(self, pool: psycopg_pool.ConnectionPool | None = None) -> None:
        if pool is None:
            self._pool_args = {**self._base_pool_args, "conninfo": self._conninfo()}
        super().open(pool)


class LazyPsycopgConnector(procrastinate.PsycopgConnector):
    """A ``PsycopgConnector`` whose conninfo is computed each time it opens (sync or async).

    Procrastinate's connector takes the conninfo at construction; the CLI needs a
    module-level app, and kenny-wa reads no settings at import. This subclass fills the pool
    arguments at ``open_async()`` and hands out a lazy sync connector for ``app.open()``.
    """

    def __init__(self, *, conninfo: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._conninfo = conninfo
        self._base_pool_args = dict(self._pool_args)

    async def open_async(self, pool: psycopg_pool.AsyncConnectionPool | None = None) -> None:
        if pool is None:
            self._pool_args = {**self._base_pool_args, "conninfo": self._conninfo()}
        await super().open_async(pool)

    def get_sync_connector(self) -> procrastinate.BaseConnector:
        if self._async_pool:
            return self
        if self._sync_connector is None:
            self._sync_connector = LazySyncPsycopgConnector(
                conninfo=self._conninfo,
                json_dumps=self._json_dumps,
                json_loads=self._json_loads,
                **self._base_pool_args,
            )
        return self._sync_connector


# ---------------------------------------------------------------------------------------
# Tasks (plain functions; build_app registers them)


def extract_attachment(attachment_id: int) -> str:
    """Run the configured extractor on one stored image and record the result.

    Reads the settings when it runs. Returns a status code: ``disabled`` (flag off, no-op,
    attachment stays ``awaiting``), ``missing`` (attachment gone), ``not_applicable`` (no
    stored file), ``done`` or ``failed`` (an ``extractions`` row records which, with a fixed
    reason in ``error``). The extractor is ``$KENNY_WA_EXTRACTOR``, else the built-in
    ``ocr``. Bytes already recognised by the same extractor version (same checksum, another
    attachment) are not recognised again: the result is copied into this attachment's row.
    """
    settings = runtime_settings()
    if not settings.image_processing_enabled:
        log.info("extraction.disabled", attachment_id=attachment_id)
        return "disabled"
    extractor = extractors.resolve_extractor(settings.extractor or "", default=extractors.DEFAULT)
    identity = extractors.identity_of(extractor)
    with store.connect(database_url()) as conn:
        source = store.attachment_provenance(conn, attachment_id)
        conn.commit()  # no transaction stays open while the extractor runs
        if source is None:
            log.warning("extraction.attachment_missing", attachment_id=attachment_id)
            return "missing"
        if not source.get("file_path"):
            with conn.transaction():
                store.mark_extraction_status(conn, [attachment_id], "not_applicable")
            log.info("extraction.not_applicable", attachment_id=attachment_id)
            return "not_applicable"
        checksum = source.get("checksum")
        lock = store.checksum_lock(conn, checksum) if checksum else contextlib.nullcontext()
        with lock:
            reused = _recorded_result(conn, checksum, identity)
            if reused is not None:
                (outcome, result_of), error = reused, None
            else:
                outcome, error = _run(extractor, Path(source["file_path"]), source)
            status = "done" if outcome else "failed"
            provenance = _provenance(source, extractor, identity, outcome)
            if reused is not None:
                provenance["result_of_attachment_id"] = result_of
            with conn.transaction():
                store.insert_extraction(
                    conn,
                    attachment_id,
                    provenance,
                    status=status,
                    extractor=provenance["extractor"],
                    extractor_version=provenance["extractor_version"],
                    result=outcome.result if outcome else None,
                    error=error,
                )
                store.mark_extraction_status(conn, [attachment_id], status)
    log.info("extraction.finished", attachment_id=attachment_id, status=status, error=error,
             reused=reused is not None)
    return status


def _recorded_result(
    conn: psycopg.Connection, checksum: str | None, identity: dict[str, Any] | None
) -> tuple[extractors.ExtractorResult, int] | None:
    """(result, its attachment id) this extractor version already produced for these bytes."""
    if not checksum or not identity:
        return None
    row = store.extraction_for_checksum(conn, checksum, identity["extractor"], identity["extractor_version"])
    conn.commit()
    if row is None:
        return None
    result = extractors.ExtractorResult(identity["extractor"], identity["extractor_version"], row["result"])
    return result, row["attachment_id"]


def _provenance(
    source: dict[str, Any],
    extractor: extractors.Extractor,
    identity: dict[str, Any] | None,
    outcome: extractors.ExtractorResult | None,
) -> dict[str, Any]:
    """The message an extraction comes from, the bytes, and who extracted them."""
    message_ts = source.get("message_ts")
    who = dict(identity) if identity else {
        "extractor": outcome.name if outcome else _extractor_name(extractor),
        "extractor_version": outcome.version if outcome else None,
    }
    return {
        "thread_external_id": source["thread_external_id"],
        "external_id": source["external_id"],
        "message_ts": message_ts.isoformat() if message_ts is not None else None,
        "checksum": source["checksum"],
        **who,
    }


def _extractor_name(extractor: extractors.Extractor) -> str:
    return getattr(extractor, "extractor_name", None) or getattr(
        extractor, "__qualname__", type(extractor).__name__
    )


def _run(
    extractor: extractors.Extractor, path: Path, provenance: dict[str, Any]
) -> tuple[extractors.ExtractorResult | None, str | None]:
    """Check the file against its checksum, run the extractor; (result, error code)."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None, "file_missing"
    if provenance.get("checksum") and digest != provenance["checksum"]:
        return None, "checksum_mismatch"
    try:
        return extractors.run_extractor(extractor, path, provenance.get("media_type") or ""), None
    except extractors.ExtractorFailed as exc:
        return None, exc.status


def agent_message(message_id: int) -> str:
    """Hand one agent-directed message to Kenny's chat pipeline (a no-op for now).

    Receives the ``messages.id`` of a row that the agent rules routed (see ``agent.py``:
    the owner's messages in the dedicated Kenny thread, or keyword-addressed messages when no
    dedicated thread is configured). The row is committed before this job can run (it is
    deferred in the same transaction), and carries ``exclude_from_automation=true`` so
    general triage leaves it alone.

    Contract for the real implementation (Kenny's chat pipeline):

    * Load the row by id (``content_snippet``, ``thread_external_id``, ``is_outgoing``,
      ``sender_id``, ``metadata``); the job carries nothing else, so no content sits in the
      queue.
    * Be idempotent per message id: the job may run twice (retry, stalled-job sweeper).
      Record what was produced keyed by ``message_id``.
    * Produce *proposals* only (e.g. a calendar event suggestion), never messages:
      kenny-wa is read-only and nothing may be sent back to WhatsApp.
    * Treat incoming messages (``is_outgoing=false``) as untrusted input.
    * Log ids only.
    """
    log.info("agent_message.handed_off", message_id=message_id)
    return "noop"


async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
    """Put back to ``todo`` the jobs of workers whose heartbeat stopped (documented sweeper).

    Procrastinate's ``howto/production/retry_stalled_jobs``; deliberately no ``lock=``
    (procrastinate issue #1408: a locked sweeper can stall everything).
    """
    job_manager = context.app.job_manager
    stalled = list(await job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
    for job in stalled:
        await job_manager.retry_job(job)
    if stalled:
        log.warning("jobs.stalled_retried", job_ids=[job.id for job in stalled])
    return len(stalled)


def build_app(conninfo: Callable[[], str] = database_url) -> procrastinate.App:
    """A Procrastinate app with kenny-wa's tasks; no I/O until it is opened."""
    new_app = procrastinate.App(connector=LazyPsycopgConnector(conninfo=conninfo))
    new_app.task(
        name=EXTRACT_TASK,
        queue=EXTRACTION_QUEUE,
        retry=procrastinate.RetryStrategy(
            max_attempts=3,
            exponential_wait=5,
            retry_exceptions={psycopg.OperationalError, errors.DatabaseUnavailable},
        ),
    )(extract_attachment)
    new_app.task(name=AGENT_TASK, queue=AGENT_QUEUE)(agent_message)
    sweeper = new_app.task(
        name=SWEEPER_TASK,
        queue=MAINTENANCE_QUEUE,
        queueing_lock="retry_stalled_jobs",
        pass_context=True,
    )(retry_stalled_jobs)
    new_app.periodic(cron="*/10 * * * *", periodic_id="retry_stalled_jobs")(sweeper)
    return new_app


#: The module-level app ``procrastinate --app=kenny_wa.jobs.app`` loads.
app = build_app()
extract_attachment_task = app.tasks[EXTRACT_TASK]
agent_message_task = app.tasks[AGENT_TASK]


# ---------------------------------------------------------------------------------------
# Deferral inside the caller's transaction

# Never opened: only its *_with_connection methods run, on the caller's connection.
_outbox = pmanager.JobManager(SyncPsycopgConnector())


def _unique_ids(ids: Iterable[int]) -> list[int]:
    seen: dict[int, None] = {}
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("job ids must be integers")
        seen.setdefault(value, None)
    return list(seen)


def _defer_on_connection(
    conn: psycopg.Connection,
    ids: Sequence[int],
    *,
    task_name: str,
    queue: str,
    arg: str,
    lock_prefix: str,
) -> int:
    """Defer one job per id on ``conn``; skip ids already waiting; return how many deferred.

    Runs inside savepoints, so a queueing-lock conflict never aborts the caller's
    transaction. Ids whose job is already ``todo`` are filtered out first; the rest go in one
    batch, and if a concurrent transaction won a race for some lock, one by one.
    """
    unique = _unique_ids(ids)
    if not unique:
        return 0
    try:
        return _defer_unique(conn, unique, task_name=task_name, queue=queue, arg=arg, lock_prefix=lock_prefix)
    except psycopg.Error as exc:
        raise store.db.translate(exc) from None
    except pexc.ConnectorException as exc:
        cause = exc.__cause__
        if isinstance(cause, psycopg.Error):
            raise store.db.translate(cause) from None
        raise errors.DatabaseUnavailable() from None


def _defer_unique(
    conn: psycopg.Connection,
    unique: list[int],
    *,
    task_name: str,
    queue: str,
    arg: str,
    lock_prefix: str,
) -> int:
    locks = {value: f"{lock_prefix}{value}" for value in unique}
    waiting = store.waiting_queueing_locks(conn, list(locks.values()))
    todo = [value for value in unique if locks[value] not in waiting]

    def job(value: int) -> pjobs.Job:
        return pjobs.Job(
            id=None,
            queue=queue,
            lock=None,
            queueing_lock=locks[value],
            task_name=task_name,
            task_kwargs={arg: value},
        )

    if not todo:
        return 0
    try:
        with conn.transaction():
            _outbox.batch_defer_jobs([job(value) for value in todo], connection=conn)
        return len(todo)
    except pexc.AlreadyEnqueued:
        pass
    deferred = 0
    for value in todo:
        try:
            with conn.transaction():
                _outbox.batch_defer_jobs([job(value)], connection=conn)
            deferred += 1
        except pexc.AlreadyEnqueued:
            continue
    return deferred


def defer_extractions(conn: psycopg.Connection, attachment_ids: Iterable[int]) -> int:
    """Defer ``kenny_wa.extract_attachment`` for each attachment id, in ``conn``'s transaction.

    One job per id (queueing lock ``attachment:<id>``; an id already waiting is skipped).
    The jobs exist only if the caller commits. ``extraction_status`` is left ``awaiting``.
    Returns the number of jobs deferred.
    """
    count = _defer_on_connection(
        conn,
        list(attachment_ids),
        task_name=EXTRACT_TASK,
        queue=EXTRACTION_QUEUE,
        arg="attachment_id",
        lock_prefix="attachment:",
    )
    log.debug("jobs.extractions_deferred", count=count)
    return count


def defer_agent_messages(conn: psycopg.Connection, message_ids: Iterable[int]) -> int:
    """Defer ``kenny_wa.agent_message`` for each message id, in ``conn``'s transaction.

    One job per id (queueing lock ``message:<id>``; an id already waiting is skipped).
    "Once per message" across runs is the caller's part: defer only for rows it *inserted*.
    Returns the number of jobs deferred.
    """
    count = _defer_on_connection(
        conn,
        list(message_ids),
        task_name=AGENT_TASK,
        queue=AGENT_QUEUE,
        arg="message_id",
        lock_prefix="message:",
    )
    log.debug("jobs.agent_messages_deferred", count=count)
    return count


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


# ---------------------------------------------------------------------------------------
# Worker


def run_worker(
    settings: Settings,
    queues: Sequence[str] = (EXTRACTION_QUEUE, AGENT_QUEUE),
    wait: bool = True,
    *,
    concurrency: int | None = None,
    install_signal_handlers: bool = True,
) -> None:
    """Run the Procrastinate worker (``kenny-wa worker``) against the settings' database.

    Jobs run with these ``settings`` (e.g. ``image_processing_enabled``), ``concurrency``
    of them at a time (default ``KENNY_WA_WORKER_CONCURRENCY``). The ``maintenance`` queue
    (the stalled-job sweeper) is always added to a non-empty queue list. ``wait=False``
    processes the jobs that are ready now and returns.

    With image processing on, the extractor is resolved before the first job (a bad
    ``KENNY_WA_EXTRACTOR`` raises ``ConfigError``) and the built-in OCR loads its models
    now, once for this process (a missing or altered model raises ``OcrUnavailable``).
    """
    url = store.resolve_pg_url(settings)
    slots = concurrency or settings.worker_concurrency
    queue_list = list(dict.fromkeys(queues))
    if queue_list and MAINTENANCE_QUEUE not in queue_list:
        queue_list.append(MAINTENANCE_QUEUE)
    with use_database(url, settings), _extraction_engine(settings, queue_list, slots):
        app.run_worker(
            queues=queue_list or None,
            wait=wait,
            concurrency=slots,
            install_signal_handlers=install_signal_handlers,
        )


@contextlib.contextmanager
def _extraction_engine(settings: Settings, queue_list: list[str], slots: int) -> Iterator[None]:
    """Check the extractor and load the OCR models before the worker takes a job."""
    if not settings.image_processing_enabled or (queue_list and EXTRACTION_QUEUE not in queue_list):
        yield
        return
    extractor = extractors.resolve_extractor(settings.extractor or "", default=extractors.DEFAULT)
    if _extractor_name(extractor) != "ocr":
        yield
        return
    from kenny_wa import ocr

    ocr.configure(concurrency=slots, timeout_s=settings.ocr_timeout_seconds,
                  max_pixels=settings.image_max_pixels)
    try:
        yield
    finally:
        ocr.shutdown()
