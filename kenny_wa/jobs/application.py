"""The Procrastinate app: kenny-wa's tasks on a ``PsycopgConnector`` that reads no settings at import.

The connector's pools (the async one a worker opens, the sync one ``app.open()`` opens) get
``conninfo`` as a callable, which psycopg_pool calls for every connection it makes: so the
database is the one :func:`kenny_wa.jobs.runtime.database_url` names when the app is used, and
``python -m procrastinate --app=kenny_wa.jobs.app worker`` works too (add ``-q
extraction,agent,maintenance``).
"""

from __future__ import annotations

from collections.abc import Callable

import procrastinate

from kenny_wa.jobs import extraction, handoff, sweeper
from kenny_wa.jobs.runtime import database_url


def build_app(conninfo: Callable[[], str] = database_url) -> procrastinate.App:
    """A Procrastinate app with kenny-wa's tasks; no I/O until it is opened."""
    new_app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    new_app.task(name=extraction.TASK, queue=extraction.QUEUE, retry=extraction.RETRY)(
        extraction.extract_attachment
    )
    new_app.task(name=handoff.TASK, queue=handoff.QUEUE)(handoff.agent_message)
    sweeper_task = new_app.task(
        name=sweeper.TASK,
        queue=sweeper.QUEUE,
        queueing_lock=sweeper.QUEUEING_LOCK,
        pass_context=True,
    )(sweeper.retry_stalled_jobs)
    new_app.periodic(cron=sweeper.CRON, periodic_id=sweeper.PERIODIC_ID)(sweeper_task)
    return new_app


#: The module-level app ``procrastinate --app=kenny_wa.jobs.app`` loads.
app = build_app()
extract_attachment_task = app.tasks[extraction.TASK]
agent_message_task = app.tasks[handoff.TASK]
