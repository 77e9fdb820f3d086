"""``GET /health`` and ``GET /metrics`` for the worker container (``kenny-wa health``).

Prefect's process worker runs every sync in a fresh process, so nothing is kept in memory
here: each request reads the per-run records (``sync_runs``) and the state row
(``sync_state``) from PostgreSQL and renders them. The rendering functions are pure
(:func:`render_health`, :func:`metric_families`) and take a :class:`Snapshot`; /metrics is a
``prometheus_client`` custom collector (:class:`SyncCollector`) in a registry of its own, written
out by the library's ``generate_latest``.

Healthy (HTTP 200) means all three of:

* PostgreSQL answers the store's ping (``select 1``) within :data:`PG_TIMEOUT_SECONDS`;
* the WhatsApp session status recorded by the last run is ``logged_in``;
* the last successful sync (``ok`` or ``partial``) is not older than
  ``3 x WHATSAPP_SYNC_INTERVAL_MINUTES + 10 minutes`` (:func:`stale_after`): two missed
  runs are tolerated, the third is not.

Anything else answers 503 with the reasons in ``problems``. The output holds statuses,
timestamps and counts only: never message content, chat names or phone numbers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry

from kenny_wa import backoff, errors, guards, logs
from kenny_wa.config import Settings

log = logs.get_logger(__name__)

PG_TIMEOUT_SECONDS = 3
STALE_GRACE = dt.timedelta(minutes=10)
SESSION_STATUSES = ("logged_in", "qr_required", "expired", "conflict", "ui_drift", "unknown")
PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # generate_latest writes this format

# (exposed counter name, column summed over finished sync_runs, help text)
COUNTERS: tuple[tuple[str, str, str], ...] = (
    (
        "whatsapp_sync_messages_fetched_total",
        "messages_fetched",
        "Messages read from WhatsApp Web by finished sync runs.",
    ),
    (
        "whatsapp_sync_upserts_total",
        "upserts",
        "Message rows inserted or changed in PostgreSQL by finished sync runs.",
    ),
    (
        "whatsapp_attachments_saved_total",
        "attachments_saved",
        "Attachment files saved by finished sync runs.",
    ),
    (
        "whatsapp_extraction_jobs_enqueued_total",
        "extraction_jobs_enqueued",
        "Extraction jobs deferred into the Procrastinate queue by finished sync runs.",
    ),
    (
        "whatsapp_sync_errors_total",
        "errors",
        "Errors recorded by finished sync runs (a failed run counts one).",
    ),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What /health and /metrics render, read from PostgreSQL at request time."""

    pg_ready: bool
    session_status: str = "unknown"
    last_success_at: dt.datetime | None = None
    last_run_at: dt.datetime | None = None
    last_run_status: str | None = None
    last_run_seconds: float | None = None
    consecutive_failures: int = 0
    backoff_until: dt.datetime | None = None
    totals: Mapping[str, int] = dataclasses.field(default_factory=dict)
    runs_by_status: Mapping[str, int] = dataclasses.field(default_factory=dict)
    unread_waiting: int = 0  # chats deferred for their unread badge
    unread_oldest_at: dt.datetime | None = None  # since when the oldest of them waits
    refused_by_reason: Mapping[str, int] = dataclasses.field(default_factory=dict)


def stale_after(interval_minutes: int) -> dt.timedelta:
    """How old the last successful sync may be before /health reports ``sync_stale``."""
    return dt.timedelta(minutes=3 * interval_minutes) + STALE_GRACE


def normalise_session(status: str | None) -> str:
    return status if status in SESSION_STATUSES else "unknown"


def render_health(
    snapshot: Snapshot, *, now: dt.datetime, interval_minutes: int
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of ``GET /health``."""
    session = normalise_session(snapshot.session_status) if snapshot.pg_ready else "unknown"
    problems: list[str] = []
    if not snapshot.pg_ready:
        problems.append("postgres_unavailable")
    elif session != "logged_in":
        problems.append(f"session_{session}")
    age: float | None = None
    if snapshot.last_success_at is not None:
        age = max(0.0, (now - snapshot.last_success_at).total_seconds())
    if snapshot.pg_ready:
        if snapshot.last_success_at is None:
            problems.append("never_synced")
        elif age is not None and age > stale_after(interval_minutes).total_seconds():
            problems.append("sync_stale")
        if snapshot.backoff_until is not None and snapshot.backoff_until > now:
            problems.append("backoff")
    healthy = not problems
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unhealthy",
        "problems": problems,
        "session": session,
        "postgres": {"ready": snapshot.pg_ready},
        "last_successful_sync": _iso(snapshot.last_success_at),
        "last_successful_sync_age_seconds": None if age is None else round(age, 1),
        "stale_after_seconds": int(stale_after(interval_minutes).total_seconds()),
        "last_run": {
            "status": snapshot.last_run_status,
            "at": _iso(snapshot.last_run_at),
            "seconds": snapshot.last_run_seconds,
        },
        "consecutive_failures": snapshot.consecutive_failures,
        "backoff_until": _iso(snapshot.backoff_until),
        "deferred_unread": {
            "chats": snapshot.unread_waiting,
            "oldest_since": _iso(snapshot.unread_oldest_at),
            "oldest_age_seconds": _age(snapshot.unread_oldest_at, now),
        },
        "checked_at": _iso(now),
    }
    return (200 if healthy else 503), body


class SyncCollector:
    """The custom ``prometheus_client`` collector: one snapshot per scrape, as metric families.

    Nothing is kept between scrapes (Prefect runs every sync in a fresh process), so the
    families are built from the database each time rather than from client-side counters.
    """

    def __init__(self, snapshot_fn: Callable[[], Snapshot], clock: Callable[[], dt.datetime]) -> None:
        self._snapshot_fn = snapshot_fn
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        yield from metric_families(self._snapshot_fn(), now=self._clock())


def metrics_registry(
    snapshot_fn: Callable[[], Snapshot],
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> CollectorRegistry:
    """A registry of its own (not the process-global one) holding only :class:`SyncCollector`."""
    registry = CollectorRegistry(auto_describe=False)  # no describe: registering reads nothing
    registry.register(SyncCollector(snapshot_fn, clock))
    return registry


def render_metrics(snapshot: Snapshot, *, now: dt.datetime | None = None) -> str:
    """Prometheus text exposition (format 0.0.4) of the snapshot."""
    at = now or dt.datetime.now(dt.UTC)
    return generate_latest(metrics_registry(lambda: snapshot, lambda: at)).decode("utf-8")


def metric_families(snapshot: Snapshot, *, now: dt.datetime) -> Iterator[Metric]:
    """Pure: the metric families of ``snapshot``, in exposition order. Counter names keep their
    ``_total`` (CounterMetricFamily strips it from the family name and adds it to the samples)."""
    for name, column, help_text in COUNTERS:
        yield CounterMetricFamily(name, help_text, value=snapshot.totals.get(column, 0))
    yield GaugeMetricFamily(
        "whatsapp_sync_cycle_seconds",
        "Duration of the last finished sync run in seconds (NaN before the first run).",
        value=snapshot.last_run_seconds if snapshot.last_run_seconds is not None else math.nan,
    )
    runs = CounterMetricFamily(
        "whatsapp_sync_runs_total", "Sync runs by status (running = in progress or interrupted).",
        labels=["status"],
    )
    for status, count in sorted(snapshot.runs_by_status.items()):
        runs.add_metric([status], count)
    yield runs
    refused = CounterMetricFamily(
        "whatsapp_sync_chats_refused_total",
        "Chats whose messages were refused rather than stored (dates ambiguous, a time in the"
        " future, rows out of order), by reason, over finished sync runs.",
        labels=["reason"],
    )
    for reason in guards.REFUSAL_REASONS:
        refused.add_metric([reason], snapshot.refused_by_reason.get(reason, 0))
    yield refused
    gauges = (  # name, help, value
        ("whatsapp_sync_last_success_timestamp_seconds",
         "Unix time of the last successful (ok or partial) sync; 0 when never.",
         snapshot.last_success_at.timestamp() if snapshot.last_success_at else 0),
        ("whatsapp_sync_consecutive_failures", "Failed sync runs since the last success.",
         snapshot.consecutive_failures),
        ("whatsapp_sync_backoff_until_timestamp_seconds",
         "Unix time until which scheduled runs are skipped; 0 when not backing off.",
         snapshot.backoff_until.timestamp() if snapshot.backoff_until else 0),
        ("whatsapp_sync_deferred_unread_chats",
         "Chats left unopened because they show an unread badge (WHATSAPP_UNREAD_CHATS=defer).",
         snapshot.unread_waiting),
        ("whatsapp_sync_deferred_unread_oldest_seconds",
         "How long the longest-waiting deferred chat has waited (0 when none waits).",
         _age(snapshot.unread_oldest_at, now) or 0),
    )
    for name, text, value in gauges:
        yield GaugeMetricFamily(name, text, value=value)
    session = normalise_session(snapshot.session_status)
    sessions = GaugeMetricFamily(
        "whatsapp_session_status",
        "WhatsApp Web session status recorded by the last run (1 for the current one).",
        labels=["status"],
    )
    for status in SESSION_STATUSES:
        sessions.add_metric([status], 1 if status == session else 0)
    yield sessions
    yield GaugeMetricFamily(
        "whatsapp_postgres_up",
        "1 when PostgreSQL answered the readiness query.",
        value=1 if snapshot.pg_ready else 0,
    )


def _age(since: dt.datetime | None, now: dt.datetime) -> float | None:
    return None if since is None else round(max(0.0, (now - since).total_seconds()), 1)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------------------------------------
# reading the snapshot (the only I/O)


def snapshot_from_rows(
    state: Mapping[str, Any] | None,
    metrics: Mapping[str, Any] | None,
    last_run: Mapping[str, Any] | None = None,
    *,
    pg_ready: bool = True,
    waiting: Mapping[str, Any] | None = None,
) -> Snapshot:
    """A Snapshot from ``store.get_sync_state``, ``store.metrics_snapshot``, the latest run row
    and ``store.unread_waiting``."""
    waiting = waiting or {}
    state = state or {}
    metrics = metrics or {}
    last_run = last_run or {}
    totals = {column: int(metrics.get(column) or 0) for _n, column, _h in COUNTERS}
    seconds = metrics.get("last_cycle_seconds")
    return Snapshot(
        pg_ready=pg_ready,
        session_status=normalise_session(state.get("session_status")),
        last_success_at=backoff.as_aware_utc(state.get("last_success_at")),
        last_run_at=backoff.as_aware_utc(last_run.get("finished_at") or state.get("last_run_at")),
        last_run_status=last_run.get("status"),
        last_run_seconds=float(seconds) if seconds is not None else None,
        consecutive_failures=int(state.get("consecutive_failures") or 0),
        backoff_until=backoff.as_aware_utc(state.get("backoff_until")),
        totals=totals,
        runs_by_status={str(k): int(v) for k, v in (metrics.get("runs_by_status") or {}).items()},
        unread_waiting=int(waiting.get("chats") or 0),
        unread_oldest_at=backoff.as_aware_utc(waiting.get("oldest")),
        refused_by_reason={str(k): int(v) for k, v in (metrics.get("refused_by_reason") or {}).items()},
    )


def read_snapshot(pg_url: str) -> Snapshot:
    """Query PostgreSQL (short timeouts); a database that does not answer gives ``pg_ready=False``."""
    from kenny_wa import store

    try:
        conn = store.connect(
            pg_url,
            autocommit=True,
            timeout_seconds=PG_TIMEOUT_SECONDS,
            application_name="kenny-wa-health",
        )
        with contextlib.closing(conn):
            store.ping(conn)
            try:
                state = store.get_sync_state(conn)
                metrics = store.metrics_snapshot(conn)
                last_run = store.last_run(conn)
                waiting = store.unread_waiting(conn)
            except errors.DatabaseUnavailable:
                # reachable but not migrated yet (or a query failed): ready, nothing recorded
                state, metrics, last_run, waiting = None, None, None, None
            return snapshot_from_rows(state, metrics, last_run, pg_ready=True, waiting=waiting)
    except (errors.DatabaseUnavailable, OSError):
        return Snapshot(pg_ready=False)


# ---------------------------------------------------------------------------------------------
# the HTTP server


def make_handler(
    snapshot_fn: Callable[[], Snapshot],
    interval_minutes: int,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> type[BaseHTTPRequestHandler]:
    registry = metrics_registry(snapshot_fn, clock)

    class Handler(BaseHTTPRequestHandler):
        server_version = "kenny-wa-health"
        sys_version = ""

        def do_HEAD(self) -> None:  # monitors probe with HEAD: same status and headers, no body
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            self._head = head
            path = self.path.split("?", 1)[0]
            if path == "/health":
                code, body = render_health(snapshot_fn(), now=clock(), interval_minutes=interval_minutes)
                self._send(code, "application/json", json.dumps(body).encode())
            elif path == "/metrics":
                self._send(200, PROMETHEUS_CONTENT_TYPE, generate_latest(registry))
            else:
                self._send(404, "application/json", b'{"error": "not found"}')

        def _send(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not getattr(self, "_head", False):
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("health_request", path=self.path.split("?", 1)[0])

    return Handler


def make_server(
    settings: Settings, *, host: str | None = None, port: int | None = None
) -> ThreadingHTTPServer:
    """A ThreadingHTTPServer (not started) serving /health and /metrics for ``settings``."""
    from kenny_wa import store

    pg_url = store.resolve_pg_url(settings)
    handler = make_handler(lambda: read_snapshot(pg_url), settings.interval_minutes)
    server = ThreadingHTTPServer(
        (host or settings.health_host, settings.health_port if port is None else port), handler
    )
    server.daemon_threads = True
    return server


def start_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="kenny-wa-health", daemon=True)
    thread.start()
    return thread


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Serve until interrupted (``kenny-wa health``)."""
    server = make_server(settings, host=host, port=port)
    bound_host, bound_port = server.server_address[:2]
    log.info("health_listening", host=bound_host, port=bound_port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
