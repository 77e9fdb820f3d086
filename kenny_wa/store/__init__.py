"""kenny-wa's database side: the only package that speaks SQL.

Callers use this facade (``from kenny_wa import store``) and never see psycopg errors: every
function translates them into ``errors.DatabaseUnavailable`` with a fixed message, and
transactions go through :func:`transaction` / :func:`commit` / :func:`rollback`. Outside the
store (and the job outbox) nothing imports psycopg; type hints use :data:`Connection`. The SQL
itself lives in ``queries.sql`` (named queries) and in the numbered migrations of ``store/sql/``.
"""

from __future__ import annotations

from kenny_wa.store.attachments import (
    AttachmentWrite,
    attachment_provenance,
    attachments_awaiting_extraction,
    attachments_to_retry,
    checksum_lock,
    count_retry,
    extraction_for_checksum,
    insert_extraction,
    mark_extraction_status,
    upsert_attachment,
)
from kenny_wa.store.chats import incomplete_chats, known_chat_ids
from kenny_wa.store.db import (
    Connection,
    commit,
    connect,
    ping,
    profile_lock,
    release_profile_lock,
    rollback,
    transaction,
    try_profile_lock,
)
from kenny_wa.store.embedded import resolve_pg_url
from kenny_wa.store.messages import UpsertCounts, set_has_attachments, upsert_messages
from kenny_wa.store.migrations import MigrationChanged, migrate
from kenny_wa.store.readstate import (
    deferred_chats,
    get_read_state,
    note_restore_pending,
    note_restored,
    record_deferred,
    unread_waiting,
)
from kenny_wa.store.state import (
    Cursor,
    advance_cursor,
    finish_run,
    get_cursors,
    get_run,
    get_sync_state,
    last_run,
    metrics_snapshot,
    record_paired,
    record_sweep,
    record_sync_state,
    start_run,
    status_summary,
)
from kenny_wa.store.text import clean_json, clean_text

__all__ = [
    "AttachmentWrite",
    "Connection",
    "Cursor",
    "MigrationChanged",
    "UpsertCounts",
    "advance_cursor",
    "attachment_provenance",
    "attachments_awaiting_extraction",
    "attachments_to_retry",
    "checksum_lock",
    "clean_json",
    "clean_text",
    "commit",
    "connect",
    "count_retry",
    "deferred_chats",
    "extraction_for_checksum",
    "finish_run",
    "get_cursors",
    "get_read_state",
    "get_run",
    "get_sync_state",
    "incomplete_chats",
    "insert_extraction",
    "known_chat_ids",
    "last_run",
    "mark_extraction_status",
    "metrics_snapshot",
    "migrate",
    "note_restore_pending",
    "note_restored",
    "ping",
    "profile_lock",
    "record_deferred",
    "record_paired",
    "record_sweep",
    "record_sync_state",
    "release_profile_lock",
    "resolve_pg_url",
    "rollback",
    "set_has_attachments",
    "start_run",
    "status_summary",
    "transaction",
    "try_profile_lock",
    "unread_waiting",
    "upsert_attachment",
    "upsert_messages",
]
