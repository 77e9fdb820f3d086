"""The pure half of the message upsert: COPY records and the migration files."""

from __future__ import annotations

import datetime as dt
import json

from kenny_wa.store import messages, migrations

T = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _row(external_id: str, text: str, **extra) -> dict:
    return {
        "platform": "whatsapp", "external_id": external_id, "thread_external_id": "c",
        "content_snippet": text, "ts": T, "is_outgoing": 0, "source_app": "WhatsApp Web",
        **extra,
    }  # fmt: skip


def test_stage_rows_dedups_last_wins_and_fills_defaults():
    records = messages.stage_rows([_row("a", "one"), _row("b", "x\x00"), _row("a", "two")])
    assert [r[1] for r in records] == ["a", "b"]
    first = dict(zip(messages.COLUMNS, records[0], strict=True))
    assert first["content_snippet"] == "two"
    assert first["recipient_ids"] == "[]" and first["metadata"] == "{}"
    assert first["is_outgoing"] is False and first["has_attachments"] is False
    assert dict(zip(messages.COLUMNS, records[1], strict=True))["content_snippet"] == "x"
    assert len(messages.COPY_TYPES) == len(messages.COLUMNS)


def test_stage_rows_json_is_clean_text():
    (record,) = messages.stage_rows(
        [_row("a", "t", recipient_ids=("r\ud83d",), metadata={"deleted": True, "n": "\x00"})]
    )
    row = dict(zip(messages.COLUMNS, record, strict=True))
    assert json.loads(row["recipient_ids"]) == ["r\ufffd"]
    assert json.loads(row["metadata"]) == {"deleted": True, "n": ""}


def test_migration_files_are_found_in_order_with_stable_checksums():
    found = migrations.discover()
    assert [m.version for m in found] == sorted(m.version for m in found)
    assert all(len(m.checksum) == 64 for m in found)
    assert migrations.discover()[0].checksum == found[0].checksum
