"""The ``kenny_wa.agent_message`` task: hand an agent-directed message to Kenny (a no-op for now)."""

from __future__ import annotations

from kenny_wa import logs

log = logs.get_logger("kenny_wa.jobs")  # one logger name for the package, as before the split

TASK = "kenny_wa.agent_message"
QUEUE = "agent"
ARG = "message_id"
LOCK_PREFIX = "message:"


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
