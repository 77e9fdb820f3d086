"""Persist one chat's batch in ONE transaction: rows, image files, attachments, jobs, cursor.

    ChatBatch ──► mapping.message_rows ──► store.upsert_messages
              ──► media.store_image (image bytes, content-addressed, atomic)
              ──► store.upsert_attachment (+ has_attachments)
              ──► jobs.defer_extractions / jobs.defer_agent_messages (same transaction)
              ──► store.advance_cursor
              ──► COMMIT

A crash before the commit loses nothing (the next run reads the chat again from the old
cursor) and a rerun duplicates nothing (upserts are idempotent, files are content-addressed,
jobs are deferred only for attachments newly stored and messages newly inserted, under
queueing locks). Image files are written before the commit; a rolled-back batch can leave a
valid content-addressed file that the rerun reuses. When an image could not be fetched or
written (the attachments folder unwritable or full) the attachment is recorded 'failed' with
its reason; later runs reread the chat back to that message on their own (:func:`retry_since`),
whatever the chat's cursor says, each such read counting a try, until :data:`ATTACHMENT_MAX_TRIES`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from procrastinate import exceptions as procrastinate_exceptions

from kenny_wa import errors, guards, jobs, mapping, media, store
from kenny_wa.config import Settings
from kenny_wa.model import MEDIA_KINDS, ChatBatch, ImageBytes, MediaFailure, Message

# attachment reasons when no bytes were stored
NOT_FETCHED = "fetch_failed"
DOWNLOADS_DISABLED = "downloads_disabled"
WRITE_FAILED = "write_failed"
# failures another read may mend (the page had not loaded the image, the disk was full…);
# a rejected image (corrupt, over the size cap…) is the same bytes next time
RETRYABLE_REASONS = frozenset({NOT_FETCHED, WRITE_FAILED, "not_loaded"})
# reads of its chat that reached back for one image before it is no longer retried on its own
# (the reason stays on the attachment row; a later read of that message still tries again)
ATTACHMENT_MAX_TRIES = 8


@dataclasses.dataclass(frozen=True, slots=True)
class BatchResult:
    """What one chat batch changed (counts only)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0  # stored rows whose text, edited/deleted flags or reactions changed
    attachments_saved: int = 0  # image files newly recorded as stored
    attachments_failed: int = 0  # images that could not be fetched, validated or written
    extraction_jobs: int = 0
    agent_jobs: int = 0
    refused: str | None = None  # guards.REFUSAL_REASONS: nothing of the batch was stored


@dataclasses.dataclass(slots=True)
class _Attachment:
    media_type: str | None = None
    file_path: str | None = None
    checksum: str | None = None
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    status: str = "metadata_only"
    reason: str | None = None


def save_chat_batch(
    conn: store.Connection,
    batch: ChatBatch,
    *,
    settings: Settings,
    dry_run: bool = False,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> BatchResult:
    """Write ``batch`` and advance its chat's cursor in one transaction; return the counts.

    Commits when ``conn`` has no transaction open (a savepoint otherwise: the caller's commit
    decides). With ``dry_run`` everything is computed inside the transaction and rolled back,
    and no image file is written. Rows do not reference runs (the caller records those).

    A batch :func:`kenny_wa.guards.refusal` refuses stores no message: only its chat's cursor,
    left incomplete with the reason (``BatchResult.refused``), so the next run reads it again.
    """
    refused = guards.refusal(batch, clock())
    if refused is not None:
        batch = dataclasses.replace(batch, messages=[], images={}, page_order=[], complete=False,
                                    partial_reason=refused)
    rows = mapping.message_rows(batch.messages, batch.chat, settings)
    result = BatchResult()
    try:
        with store.transaction(conn, rollback=dry_run):
            result = _save(conn, batch, rows, settings=settings, dry_run=dry_run)
            result = dataclasses.replace(result, refused=refused)
    except procrastinate_exceptions.ConnectorException:  # a defer failed in the database
        raise errors.DatabaseUnavailable() from None
    return result


def _save(
    conn: store.Connection,
    batch: ChatBatch,
    rows: list[dict[str, Any]],
    *,
    settings: Settings,
    dry_run: bool,
) -> BatchResult:
    counts = store.upsert_messages(conn, rows)
    saved = failed = 0
    extraction_ids: list[int] = []
    with_attachments: list[int] = []
    for message, row in zip(batch.messages, rows, strict=True):
        kind = _media_kind(message)
        if kind is None:
            continue
        message_id = counts.ids.get(store.clean_text(row["external_id"]))
        if message_id is None:
            continue
        attachment = _attachment(message, kind, batch, settings=settings, dry_run=dry_run)
        attachment_id, changed = store.upsert_attachment(conn, message_id, **dataclasses.asdict(attachment))
        with_attachments.append(message_id)
        if attachment.status == "failed":
            failed += 1
        elif attachment.status == "stored" and changed:
            saved += 1
            extraction_ids.append(attachment_id)
    store.set_has_attachments(conn, with_attachments)
    if batch.retry_since is not None:  # this read reached back for failed images: one try each
        store.count_retry(conn, batch.chat.chat_id, since=batch.retry_since,
                          reasons=sorted(RETRYABLE_REASONS), max_tries=ATTACHMENT_MAX_TRIES)
    extraction_jobs = jobs.defer_extractions(conn, extraction_ids) if extraction_ids else 0
    inserted = counts.inserted_external_ids
    agent_ids = [
        counts.ids[key]
        for key, row in ((store.clean_text(row["external_id"]), row) for row in rows)
        if key in inserted and mapping.routes_to_agent(row)
    ]
    agent_jobs = jobs.defer_agent_messages(conn, agent_ids) if agent_ids else 0
    newest = max(batch.messages, key=lambda m: m.ts, default=None)
    store.advance_cursor(
        conn,
        batch.chat.chat_id,
        newest.ts if newest else None,
        newest.external_id if newest else None,
        batch.chat.last_activity,
        batch.complete,
        batch.partial_reason,
        read_at=batch.read_at,
    )
    return BatchResult(
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        revised=counts.revised,
        attachments_saved=saved,
        attachments_failed=failed,
        extraction_jobs=extraction_jobs,
        agent_jobs=agent_jobs,
    )


def retry_since(conn: store.Connection, cutoff: dt.datetime) -> dict[str, dt.datetime]:
    """Chat id → its oldest message since ``cutoff`` with an image worth another try: the
    chats a run rereads for their images, independent of their cursors."""
    return store.attachments_to_retry(
        conn, reasons=sorted(RETRYABLE_REASONS), max_tries=ATTACHMENT_MAX_TRIES, since=cutoff
    )


def _media_kind(message: Message) -> str | None:
    if message.media is not None:
        return message.media.kind
    return message.kind if message.kind in MEDIA_KINDS else None


def _attachment(
    message: Message, kind: str, batch: ChatBatch, *, settings: Settings, dry_run: bool
) -> _Attachment:
    """The attachment row for one media message (storing the image bytes when there are)."""
    if kind != "image":
        return _Attachment(status="metadata_only", reason=kind)
    item = batch.images.get(message.external_id)
    if isinstance(item, MediaFailure):
        return _Attachment(status="failed", reason=item.reason)
    if not isinstance(item, ImageBytes):
        if not settings.download_images:
            return _Attachment(status="metadata_only", reason=DOWNLOADS_DISABLED)
        return _Attachment(status="failed", reason=NOT_FETCHED)
    try:
        if dry_run:
            info = media.validate_image(
                item.data, max_pixels=settings.image_max_pixels, max_bytes=settings.media_max_bytes
            )
            return _Attachment(
                media_type=info.media_type,
                checksum=media.sha256_hex(item.data),
                size_bytes=len(item.data),
                width=info.width,
                height=info.height,
                status="stored",
            )
        stored = media.store_image(
            item.data,
            settings.attachments_dir,
            max_pixels=settings.image_max_pixels,
            max_bytes=settings.media_max_bytes,
        )
    except media.ImageRejected as exc:
        return _Attachment(status="failed", reason=exc.reason)
    except OSError:
        return _Attachment(status="failed", reason=WRITE_FAILED)
    return _Attachment(
        media_type=stored.media_type,
        file_path=stored.file_path,
        checksum=stored.checksum,
        size_bytes=stored.size_bytes,
        width=stored.width,
        height=stored.height,
        status="stored",
    )
