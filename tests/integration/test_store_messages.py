"""upsert_messages against real PostgreSQL: insert, change-only updates, zero-write reruns."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa import errors, store

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def row(external_id: str, text: str | None = "hello", **changes) -> dict:
    base = {
        "platform": "whatsapp",
        "external_id": external_id,
        "thread_external_id": "351900000001@c.us",
        "sender_id": "+351 900 000 001",
        "recipient_ids": ["me"],
        "content_snippet": text,
        "ts": T0,
        "is_outgoing": False,
        "source_app": "WhatsApp Web",
        "is_agent_channel": False,
        "exclude_from_automation": False,
        "has_attachments": False,
        "metadata": {"kind": "text", "deleted": False, "quoted_id": None},
    }
    base.update(changes)
    return base


def versions(conn) -> dict[str, tuple]:
    """external_id -> (xmin, ctid, updated_at): any rewrite of a row changes xmin and ctid."""
    rows = conn.execute(
        "SELECT external_id, xmin::text AS xmin, ctid::text AS ctid, updated_at FROM messages"
    ).fetchall()
    return {r["external_id"]: (r["xmin"], r["ctid"], r["updated_at"]) for r in rows}


def test_insert_then_unchanged_rerun_writes_zero_rows(db_conn):
    batch = [row("A1"), row("A2", "second"), row("A3", None)]
    first = store.upsert_messages(db_conn, batch)
    db_conn.commit()
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert set(first.ids) == {"A1", "A2", "A3"}
    before = versions(db_conn)
    db_conn.commit()

    again = store.upsert_messages(db_conn, batch)
    db_conn.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert again.ids == first.ids
    assert versions(db_conn) == before
    assert again.inserted_external_ids == frozenset()


def test_update_only_changed_rows(db_conn):
    store.upsert_messages(db_conn, [row("A1"), row("A2")])
    db_conn.commit()
    before = versions(db_conn)
    counts = store.upsert_messages(
        db_conn, [row("A1", "edited", metadata={"kind": "text", "edited": True}), row("A2")]
    )
    db_conn.commit()
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)
    after = versions(db_conn)
    assert after["A2"] == before["A2"]
    assert after["A1"][0] != before["A1"][0]
    assert after["A1"][2] > before["A1"][2]
    stored = db_conn.execute(
        "SELECT content_snippet, metadata FROM messages WHERE external_id = 'A1'"
    ).fetchone()
    assert stored["content_snippet"] == "edited"
    assert stored["metadata"]["edited"] is True


def test_duplicate_keys_in_one_batch_last_wins(db_conn):
    counts = store.upsert_messages(db_conn, [row("D1", "first"), row("D2"), row("D1", "last")])
    db_conn.commit()
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 0, 1)
    text = db_conn.execute("SELECT content_snippet FROM messages WHERE external_id = 'D1'").fetchone()
    assert text["content_snippet"] == "last"


def test_nul_bytes_and_lone_surrogates_are_cleaned(db_conn):
    dirty = row(
        "N1\x00",
        "a\x00b\ud83d",
        sender_id="x\x00",
        recipient_ids=["r\ud83d", "ok"],
        metadata={"kind": "text", "sender_name": "n\x00\ude00", "k\x00": "v"},
    )
    counts = store.upsert_messages(db_conn, [dirty])
    db_conn.commit()
    assert counts.inserted == 1 and "N1" in counts.ids
    got = db_conn.execute("SELECT * FROM messages WHERE external_id = 'N1'").fetchone()
    assert got["content_snippet"] == "ab\ufffd"
    assert got["sender_id"] == "x"
    assert got["recipient_ids"] == ["r\ufffd", "ok"]
    assert got["metadata"] == {"kind": "text", "sender_name": "n\ufffd", "k": "v"}
    # and the same dirty row again is unchanged
    assert store.upsert_messages(db_conn, [dirty]).unchanged == 1


def test_deleted_for_everyone_loses_its_text_revisions_included(db_conn):
    store.upsert_messages(
        db_conn, [row("T1", "first plan", metadata={"kind": "text", "deleted": False, "quoted_id": "Q"})]
    )
    edited = row("T1", "second plan", metadata={"kind": "text", "edited": True, "deleted": False, "quoted_id": "Q"})
    assert store.upsert_messages(db_conn, [edited]).revised == 1
    db_conn.commit()
    assert revisions(db_conn, "T1") == ["first plan"]
    tombstone = row("T1", None, metadata={"kind": "deleted", "deleted": True, "quoted_id": None})
    counts = store.upsert_messages(db_conn, [tombstone])
    db_conn.commit()
    assert counts.updated == 1 and counts.revised == 1
    got = db_conn.execute(
        "SELECT content_snippet, metadata FROM messages WHERE external_id = 'T1'"
    ).fetchone()
    assert got["content_snippet"] is None  # the sender withdrew it: no copy is kept anywhere
    assert revisions(db_conn, "T1") == []
    assert got["metadata"] == {"kind": "deleted", "edited": True, "deleted": True, "quoted_id": "Q"}
    # the tombstone seen again changes nothing
    again = store.upsert_messages(db_conn, [tombstone])
    assert (again.unchanged, again.revised) == (1, 0)


def revisions(conn, external_id: str) -> list[str | None]:
    return [r["content_snippet"] for r in conn.execute(
        "SELECT r.content_snippet FROM message_revisions r JOIN messages m ON m.id = r.message_id "
        "WHERE m.external_id = %s ORDER BY r.id", (external_id,)).fetchall()]


def test_an_edit_keeps_the_earlier_text_and_counts_as_revised(db_conn):
    meta = {"kind": "text", "edited": False, "deleted": False, "reactions": []}
    store.upsert_messages(db_conn, [row("E1", "see you at 5", metadata=meta)])
    first = store.upsert_messages(db_conn, [row("E1", "see you at 6", metadata={**meta, "edited": True})])
    second = store.upsert_messages(db_conn, [row("E1", "see you at 7", metadata={**meta, "edited": True})])
    assert (first.updated, first.revised, second.revised) == (1, 1, 1)
    got = db_conn.execute("SELECT content_snippet FROM messages WHERE external_id = 'E1'").fetchone()
    assert got["content_snippet"] == "see you at 7"  # the row holds the latest state
    assert revisions(db_conn, "E1") == ["see you at 5", "see you at 6"]
    # a reaction is a revision of the row, not of its text
    reacted = store.upsert_messages(db_conn, [row("E1", "see you at 7", metadata={**meta, "edited": True, "reactions": ["👍"]})])
    assert (reacted.updated, reacted.revised) == (1, 1)
    assert revisions(db_conn, "E1") == ["see you at 5", "see you at 6"]
    # the same state again: nothing written, nothing revised
    same = store.upsert_messages(db_conn, [row("E1", "see you at 7", metadata={**meta, "edited": True, "reactions": ["👍"]})])
    assert (same.unchanged, same.revised) == (1, 0)
    # a text that changes without the page's "Edited" label (a better read) is no revision kept
    store.upsert_messages(db_conn, [row("E2", "hello", metadata=meta)])
    store.upsert_messages(db_conn, [row("E2", "hello there", metadata=meta)])
    assert revisions(db_conn, "E2") == []


def test_tombstone_first_seen_is_inserted_without_text(db_conn):
    counts = store.upsert_messages(db_conn, [row("T2", None, metadata={"kind": "deleted", "deleted": True})])
    assert counts.inserted == 1


def test_has_attachments_never_goes_back_to_false(db_conn):
    store.upsert_messages(db_conn, [row("H1", has_attachments=True)])
    counts = store.upsert_messages(db_conn, [row("H1", has_attachments=False)])
    assert counts.unchanged == 1
    got = db_conn.execute("SELECT has_attachments FROM messages WHERE external_id = 'H1'").fetchone()
    assert got["has_attachments"] is True


def test_set_has_attachments(db_conn):
    ids = store.upsert_messages(db_conn, [row("S1"), row("S2")]).ids
    assert store.set_has_attachments(db_conn, [ids["S1"]]) == 1
    assert store.set_has_attachments(db_conn, [ids["S1"]]) == 0
    assert store.set_has_attachments(db_conn, []) == 0


def test_works_inside_callers_transaction_and_rolls_back_with_it(db_conn):
    with db_conn.transaction():
        store.upsert_messages(db_conn, [row("R1")])
        store.upsert_messages(db_conn, [row("R2")])  # staging table reused in one transaction
        assert db_conn.execute("SELECT count(*) AS n FROM messages").fetchone()["n"] == 2
        db_conn.execute("SELECT 1")
    db_conn.rollback()
    try:
        with db_conn.transaction():
            store.upsert_messages(db_conn, [row("R3")])
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    names = {r["external_id"] for r in db_conn.execute("SELECT external_id FROM messages")}
    assert names == {"R1", "R2"}


def test_upsert_does_not_commit_an_open_transaction(db_conn, db_url):
    db_conn.execute("SELECT 1")  # opens the implicit transaction
    store.upsert_messages(db_conn, [row("U1")])
    with store.connect(db_url) as other:
        assert other.execute("SELECT count(*) AS n FROM messages").fetchone()["n"] == 0
    db_conn.rollback()
    assert db_conn.execute("SELECT count(*) AS n FROM messages").fetchone()["n"] == 0


def test_empty_batch(db_conn):
    assert store.upsert_messages(db_conn, []) == store.UpsertCounts(0, 0, 0, {})


def test_driver_errors_are_translated_without_content(db_conn):
    bad = row("E1", "private text")
    bad["ts"] = None  # NOT NULL violation
    with pytest.raises(errors.DatabaseUnavailable) as info:
        store.upsert_messages(db_conn, [bad])
    assert "private text" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert info.value.sqlstate == "23502"


def test_connect_failure_message_has_no_dsn():
    with pytest.raises(errors.DatabaseUnavailable) as info:
        store.connect("postgresql://kenny:s3cret@127.0.0.1:1/kenny")
    text = str(info.value)
    assert (
        "s3cret" not in text
        and "127.0.0.1" not in text
        and "kenny" not in text.lower().replace("kenny-wa", "")
    )
