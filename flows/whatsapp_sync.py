"""The Prefect flow ``whatsapp-sync``: one read-only sync of WhatsApp Web into PostgreSQL.

Deployed by ``prefect.yaml`` as ``whatsapp-sync/scheduled``. The flow only wires three
tasks, each a thin wrapper around ``kenny_wa``:

1. ``check-backoff`` migrates the database and reads ``sync_state``; while a backoff is in
   force the run ends at once as ``skipped`` (Completed) without opening the browser.
2. ``sync-chats`` runs :func:`kenny_wa.sync.run_sync`, which streams scrape → persist →
   attachment hashing chat by chat. Playwright objects live and die inside this one task,
   on the flow's thread: tasks are called directly, never ``.submit()``/``.map()``.
   Transient failures (PostgreSQL unreachable, Chromium crashed) retry with exponential
   backoff; an expired session never retries and emits the Prefect event
   ``kenny.whatsapp.session.expired``.
3. ``publish-summary`` writes the table artifact ``whatsapp-sync-summary`` (counts, chat refs
   and reason codes only).

The flow returns the dict ``kenny-wa sync --json`` prints. A run that ended ``expired``,
``conflict``, ``ui_drift`` or ``error`` is an expected failure: the task and then the flow
(after the artifact is published) return a Failed state whose message is one line and whose
data is :class:`SyncFailed`, so the UI shows Failed without a traceback and a direct caller
of the flow gets ``SyncFailed`` raised. Nothing here logs, stores or emits message
content, chat names or phone numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from typing import Any

import structlog
from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.runtime import flow_run
from prefect.states import Failed, State
from prefect.tasks import exponential_backoff

from kenny_wa import backoff, errors, logs, privacy
from kenny_wa.config import Settings, load_settings
from kenny_wa.summary import SyncSummary

FLOW_NAME = "whatsapp-sync"
ARTIFACT_KEY = "whatsapp-sync-summary"
SESSION_EXPIRED_EVENT = "kenny.whatsapp.session.expired"
# error kinds (errors.*.status) worth retrying within the same run
TRANSIENT_KINDS = frozenset(
    {
        errors.DatabaseUnavailable.status,
        errors.BrowserCrashed.status,
        errors.PageTimeout.status,
        errors.PageReloaded.status,
    }
)
# run statuses that end the flow run Completed; the others end it Failed
COMPLETED_STATUSES = frozenset({"ok", "partial", "skipped"})

log = logs.get_logger("kenny_wa.flows.whatsapp_sync")


class TransientSyncFailure(Exception):
    """A sync attempt failed in a way that may pass on retry; carries its summary dict."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__(f"sync attempt failed: {summary.get('error_kind')}")
        self.summary = summary

    def __reduce__(self):  # picklable with its summary
        return (type(self), (self.summary,))


class SyncFailed(Exception):
    """The sync ended expired/conflict/ui_drift/error: the data of the Failed states the task
    and the flow return (so a direct caller gets it raised), never raised inside Prefect."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__(failure_message(summary))
        self.summary = summary

    def __reduce__(self):
        return (type(self), (self.summary,))


# ---------------------------------------------------------------------------------------------
# helpers (pure, or thin I/O) used by the tasks


def failure_message(summary: dict[str, Any]) -> str:
    """One line for the Failed state: the status, the kind, its fixed message (pure)."""
    status, kind = summary.get("status"), summary.get("error_kind")
    line = f"WhatsApp sync ended {status}"
    if kind and kind != status:
        line += f" ({kind})"
    if summary.get("error_message"):
        line += f": {summary['error_message']}"
    return " ".join(line.split())


def failed(summary: dict[str, Any]) -> Failed:
    """A Failed state with one clear message and no traceback (an expected failure)."""
    return Failed(message=failure_message(summary), data=SyncFailed(summary))


def profile_resource_id(settings: Settings) -> str:
    """``kenny.whatsapp.profile.<12 hex>``: a short stable id of the profile directory."""
    digest = hashlib.sha256(str(settings.profile_dir).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"kenny.whatsapp.profile.{digest}"


def emit_session_expired(settings: Settings, status: str) -> None:
    """Emit the session-expired event (payload: the status code only)."""
    emit_event(
        event=SESSION_EXPIRED_EVENT,
        resource={
            "prefect.resource.id": profile_resource_id(settings),
            "prefect.resource.name": "whatsapp-profile",
        },
        payload={"status": status},
    )
    log.warning("session_expired_event_emitted", status=status)


def retry_transient(task, task_run, state) -> bool:
    """``retry_condition_fn``: retry only transient failures, never an expired session."""
    try:
        state.result()
    except TransientSyncFailure:
        return True
    except errors.DatabaseUnavailable:
        return True
    except Exception:
        return False
    return False


def skipped_summary(decision: dict[str, Any]) -> dict[str, Any]:
    """The summary of a run that did not start because of a backoff."""
    summary = SyncSummary(status="skipped", complete=False, error_kind="backoff")
    summary.error_message = f"skipped: backoff until {decision.get('until')}"
    return summary.as_dict()


def summary_table(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the table artifact: counts and codes, then one row per partial chat (ref + reason)."""
    fields = (
        "status",
        "error_kind",
        "error_message",
        "complete",
        "chats_synced",
        "chats_opened",
        "chats_total",
        "chats_archived",
        "deferred_unread",
        "unread_restored",
        "unread_restore_failed",
        "messages_fetched",
        "upserts",
        "inserted",
        "updated",
        "unchanged",
        "revised",
        "sweep",
        "chats_swept",
        "chats_retried",
        "attachments_saved",
        "attachments_failed",
        "extraction_jobs_enqueued",
        "agent_jobs_enqueued",
        "errors",
        "seconds",
        "run_id",
    )
    rows = [{"item": name, "value": _cell(summary.get(name))} for name in fields]
    for chat in summary.get("partial_chats") or []:
        rows.append({"item": f"partial {chat.get('chat_id')}", "value": str(chat.get("reason"))})
    for ref in summary.get("deferred_chats") or []:
        rows.append({"item": f"deferred {ref}", "value": "unread"})
    for chat in summary.get("limited_chats") or []:
        rows.append({"item": f"limited {chat.get('chat_id')}", "value": str(chat.get("reason"))})
    return rows


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


class _ExpectedFailureFilter(logging.Filter):
    """Drop Prefect's "exited with unexpected exception" traceback for a SyncFailed.

    A flow run that ends in a Failed state has its exception re-raised by Prefect's engine
    (run_flow returns the result), which logs it with a traceback. For an expected failure
    the Failed state's one-line message already says everything, so that record is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SyncFailed)


_EXPECTED_FAILURE_FILTER = _ExpectedFailureFilter()


def install_expected_failure_filter() -> None:
    """Add the filter to every handler of Prefect's loggers (idempotent)."""
    names = [n for n in logging.root.manager.loggerDict if n == "prefect" or n.startswith("prefect.")]
    for logger in [logging.getLogger(), *(logging.getLogger(n) for n in names)]:
        for handler in logger.handlers:
            if _EXPECTED_FAILURE_FILTER not in handler.filters:
                handler.addFilter(_EXPECTED_FAILURE_FILTER)


def _load_run_settings() -> Settings:
    privacy.owner_only_umask()
    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    return settings


def sync_task_timeout_seconds(settings: Settings) -> int:
    """The ``sync-chats`` task's limit: ``WHATSAPP_SYNC_TIMEOUT_MINUTES``.

    A hung browser no longer needs it (the page watchdog ends such a run within about twice
    WHATSAPP_PAGE_TIMEOUT_SECONDS); it bounds a run that still progresses, so that CANCEL_NEW
    does not cancel scheduled runs for hours. A run cut short keeps every chat it committed
    and the next one carries on from the cursors, so a limit below a first sync's length
    only spreads that sync over several runs.
    """
    return settings.sync_timeout_minutes * 60


def _sync_or_last_failure(settings: Settings) -> dict[str, Any]:
    """Run the sync task; the summary of a failed one (after its retries) too."""
    try:
        outcome = sync_chats.with_options(timeout_seconds=sync_task_timeout_seconds(settings))(settings)
    except (TransientSyncFailure, SyncFailed) as exc:
        return exc.summary
    if isinstance(outcome, State):  # the task's own Failed state, handed back as is
        return outcome.result(raise_on_failure=False).summary
    return outcome


def _finish(summary: dict[str, Any]) -> dict[str, Any] | Failed:
    """The flow's return: the summary, or a Failed state carrying it."""
    if summary.get("status") not in COMPLETED_STATUSES:
        return failed(summary)
    return summary


# ---------------------------------------------------------------------------------------------
# tasks


@task(
    name="check-backoff",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
    retry_jitter_factor=0.2,
    retry_condition_fn=retry_transient,
)
def check_backoff(settings: Settings) -> dict[str, Any]:
    """Apply missing migrations, then decide from sync_state whether this run may start."""
    from kenny_wa import store

    with store.connect(store.resolve_pg_url(settings)) as conn:
        store.migrate(conn)
        state = store.get_sync_state(conn)
        conn.commit()
    decision = backoff.decide(state, dt.datetime.now(dt.UTC))
    if decision.skip:
        log.info(
            "sync_skipped_backoff",
            until=decision.as_dict()["until"],
            consecutive_failures=decision.consecutive_failures,
        )
    return decision.as_dict()


@task(
    name="sync-chats",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_jitter_factor=0.2,
    retry_condition_fn=retry_transient,
)
def sync_chats(settings: Settings) -> dict[str, Any]:
    """Scrape the recent chats, persist messages, hash and save attachments (one browser)."""
    from kenny_wa import paths, sync

    try:
        paths.ensure_usable_dirs(paths.sync_folders(settings))  # a bad folder: stop, write nothing
        summary = sync.run_sync(
            settings, on_session_expired=functools.partial(emit_session_expired, settings)
        )
    except errors.KennyWaError as exc:  # e.g. ProfileInUse: the lock is taken before the run
        summary = SyncSummary()
        summary.fail(exc)
    result = summary.as_dict()
    if summary.error_kind in TRANSIENT_KINDS:
        raise TransientSyncFailure(result)
    if summary.status not in COMPLETED_STATUSES:
        return failed(result)  # the task is Failed too, with one line and no traceback
    return result


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary(summary: dict[str, Any]) -> None:
    """The run's table artifact: counts, status codes, partial chats as refs + reasons."""
    create_table_artifact(
        table=summary_table(summary),
        key=ARTIFACT_KEY,
        description=f"WhatsApp sync: {summary.get('status')} (counts and chat refs only, no content)",
    )


# ---------------------------------------------------------------------------------------------
# the flow


@flow(name=FLOW_NAME, description="Read-only sync of recent WhatsApp Web chats into PostgreSQL.")
def whatsapp_sync() -> dict[str, Any] | Failed:
    install_expected_failure_filter()
    settings = _load_run_settings()
    with structlog.contextvars.bound_contextvars(flow_run_id=str(flow_run.get_id()), flow=FLOW_NAME):
        decision = check_backoff(settings)
        summary = skipped_summary(decision) if decision["skip"] else _sync_or_last_failure(settings)
        publish_summary(summary)
        return _finish(summary)


if __name__ == "__main__":  # pragma: no cover - `python flows/whatsapp_sync.py` runs it once
    whatsapp_sync()
