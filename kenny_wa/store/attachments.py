"""Attachment rows, their extraction status, and extraction results."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import psycopg
from psycopg.types.json import Jsonb

from kenny_wa.store import db
from kenny_wa.store.queries import QUERIES
from kenny_wa.store.text import clean_json, clean_text

SOURCE = "whatsapp"
STATUSES = ("stored", "metadata_only", "failed")
EXTRACTION_STATUSES = ("awaiting", "queued", "done", "failed", "not_applicable")


class AttachmentWrite(NamedTuple):
    """The outcome of :func:`upsert_attachment`: unpacks as ``(attachment_id, changed)``."""

    attachment_id: int
    changed: bool


@db.boundary
def upsert_attachment(
    conn: psycopg.Connection,
    message_id: int,
    *,
    media_type: str | None,
    file_path: str | None,
    checksum: str | None,
    size_bytes: int | None,
    width: int | None,
    height: int | None,
    status: str,
    reason: str | None,
    source: str = SOURCE,
) -> AttachmentWrite:
    """Insert or update the attachment of one message; returns (attachment_id, changed).

    Idempotent: the same values write nothing (``changed`` False). A 'failed' or
    'metadata_only' attachment becomes 'stored' when a later run stores it; a 'stored' one is
    never downgraded. A newly stored attachment (or a stored one whose bytes changed) goes
    back to extraction status 'awaiting'; any other status is 'not_applicable'.
    """
    if status not in STATUSES:
        raise ValueError(f"attachment status must be one of {STATUSES}")
    params = {
        "message_id": message_id,
        "source": clean_text(source),
        "media_type": clean_text(media_type),
        "file_path": clean_text(file_path),
        "checksum": clean_text(checksum),
        "size_bytes": size_bytes,
        "width": width,
        "height": height,
        "status": status,
        "reason": clean_text(reason),
        "extraction_status": "awaiting" if status == "stored" else "not_applicable",
    }
    row = db.cursor(conn).execute(QUERIES["attachment_upsert"], params).fetchone()
    assert row is not None  # the statement always yields the row's id
    return AttachmentWrite(row["id"], bool(row["changed"]))


@db.boundary
def attachments_to_retry(
    conn: psycopg.Connection,
    *,
    reasons: Iterable[str],
    max_tries: int,
    since: dt.datetime,
    source: str = SOURCE,
) -> dict[str, dt.datetime]:
    """Chat id → the time of its oldest message since ``since`` whose image failed for one of
    ``reasons`` and has had fewer than ``max_tries`` tries: the chats to reread for their images."""
    params = {"source": source, "reasons": list(reasons), "max_tries": max_tries, "since": since}
    rows = db.cursor(conn).execute(QUERIES["attachments_to_retry"], params).fetchall()
    return {r["chat_id"]: r["oldest"] for r in rows}


@db.boundary
def count_retry(
    conn: psycopg.Connection,
    chat_id: str,
    *,
    since: dt.datetime,
    reasons: Iterable[str],
    max_tries: int,
    source: str = SOURCE,
) -> int:
    """A read of ``chat_id`` reached back to ``since`` for its images: every image there still
    failed (for one of ``reasons``, under ``max_tries``) counts a try. Returns how many."""
    params = {"source": source, "chat_id": clean_text(chat_id), "since": since,
              "reasons": list(reasons), "max_tries": max_tries}
    return db.cursor(conn).execute(QUERIES["attachments_retry_count"], params).rowcount


@db.boundary
def attachments_awaiting_extraction(conn: psycopg.Connection) -> list[int]:
    """Ids of stored attachments whose extraction has not been queued, oldest first."""
    rows = db.cursor(conn).execute(QUERIES["attachments_awaiting_extraction"]).fetchall()
    return [r["id"] for r in rows]


@db.boundary
def mark_extraction_status(conn: psycopg.Connection, attachment_ids: Iterable[int], status: str) -> int:
    """Set the extraction status of these attachments; returns how many rows changed."""
    if status not in EXTRACTION_STATUSES:
        raise ValueError(f"extraction status must be one of {EXTRACTION_STATUSES}")
    ids = list(attachment_ids)
    if not ids:
        return 0
    return (
        db.cursor(conn)
        .execute(QUERIES["attachment_mark_extraction_status"], {"attachment_ids": ids, "status": status})
        .rowcount
    )


@db.boundary
def insert_extraction(
    conn: psycopg.Connection,
    attachment_id: int,
    provenance: Mapping[str, Any],
    status: str,
    extractor: str,
    extractor_version: str | None = None,
    result: Any = None,
    error: str | None = None,
) -> int:
    """Record one extractor's result for an attachment (replacing that extractor's previous
    one); returns the extraction id. ``error`` must be a fixed, content-free code or text."""
    params = {
        "attachment_id": attachment_id,
        "provenance": Jsonb(clean_json(dict(provenance))),
        "status": clean_text(status),
        "extractor": clean_text(extractor),
        "extractor_version": clean_text(extractor_version),
        "result": None if result is None else Jsonb(clean_json(result)),
        "error": clean_text(error),
    }
    row = db.cursor(conn).execute(QUERIES["extraction_upsert"], params).fetchone()
    assert row is not None
    return int(row["id"])


@db.boundary
def attachment_provenance(conn: psycopg.Connection, attachment_id: int) -> dict[str, Any] | None:
    """Where an attachment comes from: thread_external_id, external_id, message_ts, checksum,
    file_path, media_type. ``None`` when the attachment no longer exists."""
    row = (
        db.cursor(conn).execute(QUERIES["attachment_provenance"], {"attachment_id": attachment_id}).fetchone()
    )
    return None if row is None else dict(row)


@db.boundary
def extraction_for_checksum(
    conn: psycopg.Connection, checksum: str, extractor: str, extractor_version: str
) -> dict[str, Any] | None:
    """A ``done`` result of this extractor version for the same bytes: ``{attachment_id,
    result}`` of the first such extraction, or ``None``."""
    params = {"checksum": checksum, "extractor": extractor, "extractor_version": extractor_version}
    row = db.cursor(conn).execute(QUERIES["extraction_for_checksum"], params).fetchone()
    return None if row is None else dict(row)


@contextlib.contextmanager
def checksum_lock(conn: psycopg.Connection, checksum: str) -> Iterator[None]:
    """Hold the session-level lock of one image's bytes on ``conn`` for the block.

    Two jobs for the same bytes (a photo forwarded into several chats), in any worker on
    any host, run one after the other, so the second finds the first one's result. The lock
    is taken and released outside any transaction (the caller's stays closed meanwhile).
    """
    db.cursor(conn).execute(QUERIES["checksum_lock"], {"checksum": checksum})
    conn.commit()
    try:
        yield
    finally:
        if not conn.closed:
            conn.rollback()
            db.cursor(conn).execute(QUERIES["checksum_unlock"], {"checksum": checksum})
            conn.commit()
