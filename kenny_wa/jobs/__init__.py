"""The Procrastinate app, its tasks, and transactional deferral (the outbox).

Queues and tasks (names are explicit and are the contract with Procrastinate's job table;
never rename one without an alias):

=============================== ============ =================== ============================
task                            queue        queueing lock       args
=============================== ============ =================== ============================
``kenny_wa.extract_attachment`` extraction   ``attachment:<id>`` ``attachment_id: int``
``kenny_wa.agent_message``      agent        ``message:<id>``    ``message_id: int``
``kenny_wa.retry_stalled_jobs`` maintenance  retry_stalled_jobs  ``timestamp`` (periodic)
=============================== ============ =================== ============================

Modules: ``runtime`` (the database URL and settings, resolved when used), ``application``
(the app, whose connector resolves the URL per connection), one module per task
(``extraction``, ``handoff``, ``sweeper``), ``outbox`` (deferral inside the caller's
transaction), ``status`` (counts per queue, whether the schema is installed) and ``worker``.

The database URL is resolved when the app is *used*, never at import: ``use_database(url)``
(what ``run_worker`` does) wins, then ``$KENNY_WA_PG_URL``, then ``PG_URL`` / the embedded
PostgreSQL. So ``python -m procrastinate --app=kenny_wa.jobs.app worker`` works too (add
``-q extraction,agent,maintenance``).
"""

from __future__ import annotations

from kenny_wa.jobs.application import agent_message_task, app, build_app, extract_attachment_task
from kenny_wa.jobs.extraction import QUEUE as EXTRACTION_QUEUE
from kenny_wa.jobs.extraction import TASK as EXTRACT_TASK
from kenny_wa.jobs.extraction import extract_attachment
from kenny_wa.jobs.handoff import QUEUE as AGENT_QUEUE
from kenny_wa.jobs.handoff import TASK as AGENT_TASK
from kenny_wa.jobs.handoff import agent_message
from kenny_wa.jobs.outbox import backfill_extractions, defer_agent_messages, defer_extractions
from kenny_wa.jobs.runtime import database_url, runtime_settings, use_database
from kenny_wa.jobs.status import queue_counts, schema_present
from kenny_wa.jobs.sweeper import QUEUE as MAINTENANCE_QUEUE
from kenny_wa.jobs.sweeper import STALLED_AFTER_SECONDS, retry_stalled_jobs
from kenny_wa.jobs.sweeper import TASK as SWEEPER_TASK
from kenny_wa.jobs.worker import run_worker

__all__ = [
    "AGENT_QUEUE",
    "AGENT_TASK",
    "EXTRACTION_QUEUE",
    "EXTRACT_TASK",
    "MAINTENANCE_QUEUE",
    "STALLED_AFTER_SECONDS",
    "SWEEPER_TASK",
    "agent_message",
    "agent_message_task",
    "app",
    "backfill_extractions",
    "build_app",
    "database_url",
    "defer_agent_messages",
    "defer_extractions",
    "extract_attachment",
    "extract_attachment_task",
    "queue_counts",
    "retry_stalled_jobs",
    "run_worker",
    "runtime_settings",
    "schema_present",
    "use_database",
]
