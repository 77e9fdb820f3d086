"""Attachment rows: idempotence, failed → stored, never downgraded; extractions; provenance."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa import store

STORED = dict(
    media_type="image/jpeg",
    file_path="/a/ab/cd/abcd.jpg",
    checksum="ab" * 32,
    size_bytes=10,
    width=2,
    height=3,
    status="stored",
    reason=None,
)
FAILED = dict(
    media_type=None,
    file_path=None,
    checksum=None,
    size_bytes=None,
    width=None,
    height=None,
    status="failed",
    reason="fetch_failed",
)
VOICE = dict(FAILED, status="metadata_only", reason="voice")


@pytest.fixture
def message_id(db_conn) -> int:
    counts = store.upsert_messages(
        db_conn,
        [
            {
                "platform": "whatsapp",
                "external_id": "M1",
                "thread_external_id": "g1@g.us",
                "sender_id": "a",
                "recipient_ids": [],
                "content_snippet": None,
                "ts": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                "is_outgoing": False,
                "source_app": "WhatsApp Web",
                "has_attachments": True,
                "metadata": {"kind": "image"},
            }
        ],
    )
    db_conn.commit()
    return counts.ids["M1"]


def _row(conn, attachment_id):
    return conn.execute(
        "SELECT *, xmin::text AS xmin FROM attachments WHERE id = %s", (attachment_id,)
    ).fetchone()


def test_stored_attachment_is_idempotent(db_conn, message_id):
    attachment_id, changed = store.upsert_attachment(db_conn, message_id, **STORED)
    assert changed
    first = _row(db_conn, attachment_id)
    assert first["extraction_status"] == "awaiting" and first["source"] == "whatsapp"
    db_conn.commit()
    again = store.upsert_attachment(db_conn, message_id, **STORED)
    assert again == (attachment_id, False)
    assert _row(db_conn, attachment_id)["xmin"] == first["xmin"]


def test_failed_becomes_stored_later(db_conn, message_id):
    attachment_id, changed = store.upsert_attachment(db_conn, message_id, **FAILED)
    assert changed
    assert _row(db_conn, attachment_id)["extraction_status"] == "not_applicable"
    assert store.upsert_attachment(db_conn, message_id, **FAILED) == (attachment_id, False)
    assert store.upsert_attachment(db_conn, message_id, **STORED) == (attachment_id, True)
    got = _row(db_conn, attachment_id)
    assert (got["status"], got["reason"], got["extraction_status"]) == ("stored", None, "awaiting")


def test_stored_is_never_downgraded(db_conn, message_id):
    attachment_id, _ = store.upsert_attachment(db_conn, message_id, **STORED)
    store.mark_extraction_status(db_conn, [attachment_id], "done")
    for downgrade in (FAILED, VOICE):
        assert store.upsert_attachment(db_conn, message_id, **downgrade) == (attachment_id, False)
    got = _row(db_conn, attachment_id)
    assert (got["status"], got["checksum"], got["extraction_status"]) == ("stored", "ab" * 32, "done")


def test_metadata_only_and_status_validation(db_conn, message_id):
    attachment_id, changed = store.upsert_attachment(db_conn, message_id, **VOICE)
    assert changed and _row(db_conn, attachment_id)["reason"] == "voice"
    with pytest.raises(ValueError):
        store.upsert_attachment(db_conn, message_id, **dict(VOICE, status="weird"))


def test_awaiting_mark_and_extraction_with_provenance(db_conn, message_id):
    attachment_id, _ = store.upsert_attachment(db_conn, message_id, **STORED)
    assert store.attachments_awaiting_extraction(db_conn) == [attachment_id]
    assert store.mark_extraction_status(db_conn, [attachment_id], "queued") == 1
    assert store.mark_extraction_status(db_conn, [attachment_id], "queued") == 0
    assert store.attachments_awaiting_extraction(db_conn) == []
    with pytest.raises(ValueError):
        store.mark_extraction_status(db_conn, [attachment_id], "bogus")

    provenance = store.attachment_provenance(db_conn, attachment_id)
    assert provenance == {
        "thread_external_id": "g1@g.us",
        "external_id": "M1",
        "message_ts": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "checksum": "ab" * 32,
        "file_path": "/a/ab/cd/abcd.jpg",
        "media_type": "image/jpeg",
    }
    provenance["message_ts"] = provenance["message_ts"].isoformat()  # what the job records
    assert store.attachment_provenance(db_conn, 999_999) is None

    first = store.insert_extraction(
        db_conn, attachment_id, provenance, "done", "noop", "1", {"text": "x\x00"}, None
    )
    second = store.insert_extraction(
        db_conn, attachment_id, provenance, "failed", "noop", "2", None, "extractor_failed"
    )
    assert first == second
    got = db_conn.execute("SELECT * FROM extractions").fetchall()
    assert len(got) == 1 and got[0]["status"] == "failed" and got[0]["provenance"]["external_id"] == "M1"


def test_attachments_cascade_with_their_message(db_conn, message_id):
    attachment_id, _ = store.upsert_attachment(db_conn, message_id, **STORED)
    store.insert_extraction(db_conn, attachment_id, {}, "done", "noop")
    db_conn.execute("DELETE FROM messages WHERE id = %s", (message_id,))
    assert db_conn.execute("SELECT count(*) AS n FROM extractions").fetchone()["n"] == 0


def test_images_worth_retrying_are_found_per_chat_and_each_read_counts_a_try(db_conn, message_id):
    since = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    taken = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    reasons = ("fetch_failed", "write_failed")
    store.upsert_attachment(db_conn, message_id, **dict(FAILED, reason="write_failed"))
    look = dict(reasons=reasons, max_tries=2, since=since)
    assert store.attachments_to_retry(db_conn, **look) == {"g1@g.us": taken}
    assert store.attachments_to_retry(db_conn, **look) == {"g1@g.us": taken}  # looking counts nothing
    count = dict(since=taken, reasons=reasons, max_tries=2)
    assert store.count_retry(db_conn, "other@g.us", **count) == 0  # another chat's read
    assert store.count_retry(db_conn, "g1@g.us", **dict(count, since=taken + dt.timedelta(minutes=1))) == 0
    assert store.count_retry(db_conn, "g1@g.us", **count) == 1
    assert store.attachments_to_retry(db_conn, **look) == {"g1@g.us": taken}
    assert store.count_retry(db_conn, "g1@g.us", **count) == 1
    assert store.attachments_to_retry(db_conn, **look) == {}  # two tries: no longer retried
    assert store.count_retry(db_conn, "g1@g.us", **count) == 0
    got = db_conn.execute("SELECT status, reason, tries FROM attachments").fetchone()
    assert (got["status"], got["reason"], got["tries"]) == ("failed", "write_failed", 2)  # the reason is kept
    # older than the lookback, or a failure another read cannot mend: never retried
    later = dict(look, max_tries=9, since=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    assert store.attachments_to_retry(db_conn, **later) == {}
    store.upsert_attachment(db_conn, message_id, **dict(FAILED, reason="corrupt"))
    assert store.attachments_to_retry(db_conn, **dict(look, max_tries=9)) == {}
    # once stored, it is not a candidate any more
    store.upsert_attachment(db_conn, message_id, **dict(FAILED, reason="fetch_failed"))
    store.upsert_attachment(db_conn, message_id, **STORED)
    assert store.attachments_to_retry(db_conn, **dict(look, max_tries=9)) == {}
