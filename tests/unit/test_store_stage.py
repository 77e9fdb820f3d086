"""The pure half of the message upsert: COPY records and the migration files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

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


def test_migration_files_are_read_in_version_order_with_the_sha256_of_their_bytes(tmp_path):
    files = {
        "0002_second.sql": "alter table t add column note text; -- ü\n",
        "0001_first.sql": "create table t (id int);\n",
        "0010_tenth.sql": "select 1;\n",
        "notes.txt": "not a migration",
        "0003_Bad-Name.sql": "select 2;",  # not NNNN_lowercase.sql: ignored
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    found = migrations.discover(tmp_path)
    assert [(m.version, m.name) for m in found] == [("0001", "first"), ("0002", "second"), ("0010", "tenth")]
    for m in found:
        data = (tmp_path / f"{m.version}_{m.name}.sql").read_bytes()
        assert m.sql == data.decode("utf-8")
        assert m.checksum == hashlib.sha256(data).hexdigest()
    # an edited file is a different checksum (what makes `migrate` refuse an applied one)
    (tmp_path / "0001_first.sql").write_bytes(b"create table t (id bigint);\n")
    assert migrations.discover(tmp_path)[0].checksum != found[0].checksum


def test_two_migration_files_with_one_version_are_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("select 1;")
    (tmp_path / "0001_b.sql").write_text("select 2;")
    with pytest.raises(ValueError, match="share a version"):
        migrations.discover(tmp_path)


def test_the_shipped_migrations_start_at_0001_without_gaps():
    versions = [int(m.version) for m in migrations.discover()]
    assert versions == list(range(1, len(versions) + 1))
