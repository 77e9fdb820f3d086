"""`kenny-wa migrate`: contract tables, idempotence, Procrastinate once, existing data kept."""

from __future__ import annotations

import threading

import psycopg
import pytest

from kenny_wa import store
from kenny_wa.store import migrations as migrate_module

# (table, column) -> (data_type, is_nullable) as information_schema reports them
CONTRACT = {
    ("messages", "id"): ("bigint", "NO"),
    ("messages", "platform"): ("text", "NO"),
    ("messages", "external_id"): ("text", "NO"),
    ("messages", "thread_external_id"): ("text", "NO"),
    ("messages", "sender_id"): ("text", "YES"),
    ("messages", "recipient_ids"): ("jsonb", "NO"),
    ("messages", "content_snippet"): ("text", "YES"),
    ("messages", "ts"): ("timestamp with time zone", "NO"),
    ("messages", "is_outgoing"): ("boolean", "NO"),
    ("messages", "source_app"): ("text", "NO"),
    ("messages", "is_agent_channel"): ("boolean", "NO"),
    ("messages", "exclude_from_automation"): ("boolean", "NO"),
    ("messages", "has_attachments"): ("boolean", "NO"),
    ("messages", "metadata"): ("jsonb", "NO"),
    ("messages", "created_at"): ("timestamp with time zone", "NO"),
    ("messages", "updated_at"): ("timestamp with time zone", "NO"),
    ("attachments", "message_id"): ("bigint", "NO"),
    ("attachments", "source"): ("text", "NO"),
    ("attachments", "media_type"): ("text", "YES"),
    ("attachments", "file_path"): ("text", "YES"),
    ("attachments", "checksum"): ("text", "YES"),
    ("attachments", "size_bytes"): ("bigint", "YES"),
    ("attachments", "width"): ("integer", "YES"),
    ("attachments", "height"): ("integer", "YES"),
    ("attachments", "status"): ("text", "NO"),
    ("attachments", "reason"): ("text", "YES"),
    ("attachments", "extraction_status"): ("text", "NO"),
    ("extractions", "attachment_id"): ("bigint", "NO"),
    ("extractions", "provenance"): ("jsonb", "NO"),
    ("extractions", "status"): ("text", "NO"),
    ("extractions", "extractor"): ("text", "NO"),
    ("extractions", "extractor_version"): ("text", "YES"),
    ("extractions", "result"): ("jsonb", "YES"),
    ("extractions", "error"): ("text", "YES"),
    ("sync_state", "source"): ("text", "NO"),
    ("sync_state", "last_seen_ts"): ("timestamp with time zone", "YES"),
    ("sync_state", "last_success_at"): ("timestamp with time zone", "YES"),
    ("sync_state", "session_status"): ("text", "YES"),
    ("sync_state", "consecutive_failures"): ("integer", "NO"),
    ("sync_state", "backoff_until"): ("timestamp with time zone", "YES"),
    ("chat_cursors", "source"): ("text", "NO"),
    ("chat_cursors", "chat_id"): ("text", "NO"),
    ("chat_cursors", "newest_ts"): ("timestamp with time zone", "YES"),
    ("chat_cursors", "newest_external_id"): ("text", "YES"),
    ("chat_cursors", "complete"): ("boolean", "YES"),
    ("chat_cursors", "partial_reason"): ("text", "YES"),
    ("sync_runs", "status"): ("text", "NO"),
    ("sync_runs", "messages_fetched"): ("integer", "NO"),
    ("sync_runs", "upserts"): ("integer", "NO"),
    ("sync_runs", "attachments_saved"): ("integer", "NO"),
    ("sync_runs", "extraction_jobs_enqueued"): ("integer", "NO"),
    ("sync_runs", "errors"): ("integer", "NO"),
    ("sync_runs", "partial_chats"): ("jsonb", "NO"),
    ("sync_runs", "seconds"): ("double precision", "YES"),
    ("kenny_wa_migrations", "version"): ("text", "NO"),
    ("kenny_wa_migrations", "checksum"): ("text", "YES"),
}
VERSIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "procrastinate"]


def _columns(conn) -> dict[tuple[str, str], tuple[str, str]]:
    rows = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = 'public'"
    ).fetchall()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def _unique_keys(conn, table: str) -> set[tuple[str, ...]]:
    rows = conn.execute(
        "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = %s::regclass AND i.indisunique GROUP BY i.indexrelid",
        (table,),
    ).fetchall()
    return {tuple(r[0]) for r in rows}


def test_migrate_twice_on_empty_database(empty_db_url):
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        assert store.migrate(conn) == VERSIONS
        columns = _columns(conn)
        for key, expected in CONTRACT.items():
            assert columns.get(key) == expected, key
        assert ("platform", "external_id") in _unique_keys(conn, "messages")
        assert ("message_id",) in _unique_keys(conn, "attachments")
        assert ("attachment_id", "extractor") in _unique_keys(conn, "extractions")
        assert ("source", "chat_id") in _unique_keys(conn, "chat_cursors")
        before = conn.execute("SELECT version, applied_at FROM kenny_wa_migrations").fetchall()

        assert store.migrate(conn) == []
        after = conn.execute("SELECT version, applied_at FROM kenny_wa_migrations").fetchall()
        assert sorted(after) == sorted(before)
        assert sorted(v for v, _ in after) == VERSIONS


def test_procrastinate_schema_installed_once_and_usable(empty_db_url):
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        store.migrate(conn)
        store.migrate(conn)
        assert conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0]
        n = conn.execute(
            "SELECT count(*) FROM pg_type WHERE typname = 'procrastinate_job_status'"
        ).fetchone()[0]
        assert n == 1


def test_existing_procrastinate_schema_is_recorded_not_reapplied(empty_db_url):
    from procrastinate.schema import SchemaManager

    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        conn.execute(SchemaManager.get_schema())
        assert "procrastinate" in store.migrate(conn)
        assert store.migrate(conn) == []


def test_migrating_over_an_existing_kenny_messages_table_keeps_its_rows(empty_db_url):
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE messages (id serial PRIMARY KEY, platform text NOT NULL,"
            " external_id text NOT NULL, content_snippet text, ts timestamptz,"
            " UNIQUE (platform, external_id))"
        )
        conn.execute(
            "INSERT INTO messages (platform, external_id, content_snippet, ts) VALUES"
            " ('imessage', 'a1', 'hi', now()), ('email', 'e1', 'subject', now())"
        )
        store.migrate(conn)
        rows = conn.execute(
            "SELECT platform, external_id, content_snippet, recipient_ids, metadata,"
            " has_attachments FROM messages ORDER BY id"
        ).fetchall()
        assert rows == [
            ("imessage", "a1", "hi", [], {}, False),
            ("email", "e1", "subject", [], {}, False),
        ]
        # the existing unique key is reused, not duplicated
        keys = _unique_keys(conn, "messages")
        assert ("platform", "external_id") in keys
        n = conn.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'messages'::regclass AND indisunique"
        ).fetchone()[0]
        assert n == 2  # the primary key and the existing (platform, external_id)
        # and the store can write next to the other platforms' rows
        with store.connect(empty_db_url) as c2:
            counts = store.upsert_messages(c2, [_row("w1")])
            c2.commit()
        assert counts.inserted == 1
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3


def test_existing_table_without_unique_key_gets_one(empty_db_url):
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE messages (platform text, external_id text, content_snippet text)")
        conn.execute("INSERT INTO messages VALUES ('sms', 's1', 'x')")
        store.migrate(conn)
        assert ("platform", "external_id") in _unique_keys(conn, "messages")
        assert ("id",) in _unique_keys(conn, "messages")
        assert conn.execute("SELECT count(*) FROM messages WHERE id IS NOT NULL").fetchone()[0] == 1


def test_changed_applied_migration_is_refused(empty_db_url):
    migrations = migrate_module.discover()
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        store.migrate(conn, migrations)
        edited = [
            migrate_module.Migration(m.version, m.name, m.sql + "\n-- edited\n") if m.version == "0002" else m
            for m in migrations
        ]
        with pytest.raises(store.MigrationChanged) as info:
            store.migrate(conn, edited)
        assert "0002" in str(info.value)


def test_new_migration_is_applied_after_the_others(empty_db_url):
    migrations = migrate_module.discover()
    extra = migrate_module.Migration("9999", "extra", "CREATE TABLE kwa_extra (x int);")
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        store.migrate(conn, migrations)
        assert store.migrate(conn, [*migrations, extra]) == ["9999"]


def test_concurrent_migrates_do_not_race(empty_db_url):
    results: list[list[str]] = []
    failures: list[BaseException] = []

    def run():
        try:
            with psycopg.connect(empty_db_url, autocommit=True) as conn:
                results.append(store.migrate(conn))
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    applied = sorted(v for r in results for v in r)
    assert applied == VERSIONS


def test_migration_files_are_numbered_and_discovered():
    found = migrate_module.discover()
    assert [m.version for m in found] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert all(m.sql.strip() for m in found)


def _row(external_id: str) -> dict:
    import datetime as dt

    return {
        "platform": "whatsapp",
        "external_id": external_id,
        "thread_external_id": "1@c.us",
        "sender_id": "me",
        "recipient_ids": ["x"],
        "content_snippet": "hello",
        "ts": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "is_outgoing": True,
        "source_app": "WhatsApp Web",
        "is_agent_channel": False,
        "exclude_from_automation": False,
        "has_attachments": False,
        "metadata": {"kind": "text"},
    }
