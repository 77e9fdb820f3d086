"""What Procrastinate holds, read through its public API (``kenny-wa status``, ``kenny-wa migrate``).

kenny-wa's own SQL never names Procrastinate's tables: the counts come from its job manager,
the schema check from its own ``check_connection`` query.
"""

from __future__ import annotations

import procrastinate
from procrastinate import sql as psql

from kenny_wa import store
from kenny_wa.jobs.application import app
from kenny_wa.jobs.outbox import translated_errors

STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")  # list_queues' order


def queue_counts(url: str) -> dict[str, dict[str, int]]:
    """Jobs of the database at ``url`` by queue and status, zero counts left out.

    Through ``JobManager.list_queues``, on a short-lived app of its own with a one-connection
    pool: a status query needs no pool of four, and the module-level app is left unopened.
    """
    connector = procrastinate.SyncPsycopgConnector(conninfo=url, min_size=1, max_size=1)
    with translated_errors(), procrastinate.App(connector=connector).open() as reader:
        queues = reader.job_manager.list_queues()
    counts = {q["name"]: {s: q[s] for s in STATUSES if q[s]} for q in queues}
    return {name: counts[name] for name in sorted(counts)}


def schema_present(conn: store.Connection) -> bool:
    """Whether Procrastinate's schema is installed, as ``conn``'s transaction sees it."""
    with translated_errors():
        row = app.connector.get_sync_connector().execute_query_one_with_connection(
            conn, query=psql.queries["check_connection"]
        )
    return row["check"] is not None
