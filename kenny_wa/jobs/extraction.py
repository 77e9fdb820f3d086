"""The ``kenny_wa.extract_attachment`` task: run the configured extractor on one stored image.

Extraction status of an attachment (``attachments.extraction_status``): deferring does
**not** change it (it stays ``awaiting`` until processed, so ``awaiting`` means "no result
yet" whether or not a job is queued). The job sets ``done`` on success, ``failed`` when the
extractor or the file fails (with an ``extractions`` row saying why), ``not_applicable``
when there is no stored file. With ``IMAGE_PROCESSING_ENABLED=false`` the job is a no-op and
the attachment stays ``awaiting``. With the flag on and ``KENNY_WA_EXTRACTOR`` unset, the
built-in ``ocr`` extractor runs. A ``KENNY_WA_EXTRACTOR`` naming nothing registered fails
the job with ``ConfigError`` and leaves the attachment ``awaiting`` (a configuration
problem, not a property of the image: once fixed, ``kenny-wa extract --backfill`` picks it
up again); ``kenny-wa worker`` refuses to start with it (exit 2).
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

import procrastinate

from kenny_wa import errors, extractors, logs, store
from kenny_wa.jobs.runtime import database_url, runtime_settings

log = logs.get_logger("kenny_wa.jobs")  # one logger name for the package, as before the split

TASK = "kenny_wa.extract_attachment"
QUEUE = "extraction"
ARG = "attachment_id"
LOCK_PREFIX = "attachment:"
# a lost connection or an unreachable database is worth another try; a bad image is not
RETRY = procrastinate.RetryStrategy(
    max_attempts=3,
    exponential_wait=5,
    retry_exceptions={errors.DatabaseUnavailable},  # the store's: it translates driver errors
)


def extract_attachment(attachment_id: int) -> str:
    """Run the configured extractor on one stored image and record the result.

    Reads the settings when it runs. Returns a status code: ``disabled`` (flag off, no-op,
    attachment stays ``awaiting``), ``missing`` (attachment gone), ``not_applicable`` (no
    stored file), ``done`` or ``failed`` (an ``extractions`` row records which, with a fixed
    reason in ``error``). The extractor is ``$KENNY_WA_EXTRACTOR``, else the built-in
    ``ocr``. Bytes already recognised by the same extractor version (same checksum, another
    attachment) are not recognised again: the result is copied into this attachment's row.
    """
    settings = runtime_settings()
    if not settings.image_processing_enabled:
        log.info("extraction.disabled", attachment_id=attachment_id)
        return "disabled"
    extractor = extractors.resolve_extractor(settings.extractor or "", default=extractors.DEFAULT)
    identity = extractors.identity_of(extractor)
    with store.connect(database_url()) as conn:
        source = store.attachment_provenance(conn, attachment_id)
        store.commit(conn)  # no transaction stays open while the extractor runs
        if source is None:
            log.warning("extraction.attachment_missing", attachment_id=attachment_id)
            return "missing"
        if not source.get("file_path"):
            with store.transaction(conn):
                store.mark_extraction_status(conn, [attachment_id], "not_applicable")
            log.info("extraction.not_applicable", attachment_id=attachment_id)
            return "not_applicable"
        checksum = source.get("checksum")
        lock = store.checksum_lock(conn, checksum) if checksum else contextlib.nullcontext()
        with lock:
            reused = _recorded_result(conn, checksum, identity)
            if reused is not None:
                (outcome, result_of), error = reused, None
            else:
                outcome, error = _run(extractor, Path(source["file_path"]), source)
            status = "done" if outcome else "failed"
            provenance = _provenance(source, extractor, identity, outcome)
            if reused is not None:
                provenance["result_of_attachment_id"] = result_of
            with store.transaction(conn):
                store.insert_extraction(
                    conn,
                    attachment_id,
                    provenance,
                    status=status,
                    extractor=provenance["extractor"],
                    extractor_version=provenance["extractor_version"],
                    result=outcome.result if outcome else None,
                    error=error,
                )
                store.mark_extraction_status(conn, [attachment_id], status)
    log.info("extraction.finished", attachment_id=attachment_id, status=status, error=error,
             reused=reused is not None)
    return status


def _recorded_result(
    conn: store.Connection, checksum: str | None, identity: dict[str, Any] | None
) -> tuple[extractors.ExtractorResult, int] | None:
    """(result, its attachment id) this extractor version already produced for these bytes."""
    if not checksum or not identity:
        return None
    row = store.extraction_for_checksum(conn, checksum, identity["extractor"], identity["extractor_version"])
    store.commit(conn)
    if row is None:
        return None
    result = extractors.ExtractorResult(identity["extractor"], identity["extractor_version"], row["result"])
    return result, row["attachment_id"]


def _provenance(
    source: dict[str, Any],
    extractor: extractors.Extractor,
    identity: dict[str, Any] | None,
    outcome: extractors.ExtractorResult | None,
) -> dict[str, Any]:
    """The message an extraction comes from, the bytes, and who extracted them."""
    message_ts = source.get("message_ts")
    who = dict(identity) if identity else {
        "extractor": outcome.name if outcome else extractor_name(extractor),
        "extractor_version": outcome.version if outcome else None,
    }
    return {
        "thread_external_id": source["thread_external_id"],
        "external_id": source["external_id"],
        "message_ts": message_ts.isoformat() if message_ts is not None else None,
        "checksum": source["checksum"],
        **who,
    }


def extractor_name(extractor: extractors.Extractor) -> str:
    """The name an extractor records when it has no identity of its own."""
    return getattr(extractor, "extractor_name", None) or getattr(
        extractor, "__qualname__", type(extractor).__name__
    )


def _run(
    extractor: extractors.Extractor, path: Path, provenance: dict[str, Any]
) -> tuple[extractors.ExtractorResult | None, str | None]:
    """Check the file against its checksum, run the extractor; (result, error code)."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None, "file_missing"
    if provenance.get("checksum") and digest != provenance["checksum"]:
        return None, "checksum_mismatch"
    try:
        return extractors.run_extractor(extractor, path, provenance.get("media_type") or ""), None
    except extractors.ExtractorFailed as exc:
        return None, exc.status
