"""The ``kenny_wa.retry_stalled_jobs`` task: the periodic sweeper of jobs a dead worker held."""

from __future__ import annotations

import procrastinate

from kenny_wa import logs

log = logs.get_logger("kenny_wa.jobs")  # one logger name for the package, as before the split

TASK = "kenny_wa.retry_stalled_jobs"
QUEUE = "maintenance"
QUEUEING_LOCK = "retry_stalled_jobs"
PERIODIC_ID = "retry_stalled_jobs"
CRON = "*/10 * * * *"
STALLED_AFTER_SECONDS = 30  # a worker whose heartbeat is older than this is considered dead


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
