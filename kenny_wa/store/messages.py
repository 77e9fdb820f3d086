"""Bulk upsert of ``messages`` rows: COPY into a staging table, one INSERT … ON CONFLICT.

An unchanged row is not rewritten (no new tuple, ``updated_at`` untouched), so a rerun of the
same batch writes nothing. Works inside the caller's transaction (it uses a savepoint there)
and never commits on its own when one is open.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg

from kenny_wa.model import MESSAGE_COLUMNS
from kenny_wa.store import db
from kenny_wa.store.queries import QUERIES
from kenny_wa.store.text import clean_text, json_text

# The messages columns an upsert row carries, in COPY order.
COLUMNS = MESSAGE_COLUMNS
# PostgreSQL types of the binary COPY, in COLUMNS order (JSON travels as text).
COPY_TYPES = (
    "text", "text", "text", "text", "text", "text", "timestamptz", "bool", "text", "bool",
    "bool", "bool", "text",
)  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class UpsertCounts:
    """What one upsert did. ``ids`` maps every external_id of the batch to its row id.

    ``inserted + updated + unchanged`` is the number of rows given, so a key repeated inside
    one batch counts its extra occurrences as unchanged.
    """

    inserted: int
    updated: int
    unchanged: int
    ids: dict[str, int]
    inserted_external_ids: frozenset[str] = frozenset()
    revised: int = 0  # stored rows whose text, edited/deleted flags or reactions changed

    @property
    def written(self) -> int:
        return self.inserted + self.updated


def stage_rows(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """COPY records for ``rows`` in :data:`COLUMNS` order: text cleaned, JSON as jsonb text,
    missing flags false, one record per (platform, external_id) with the last row winning.
    Identical recipient lists are encoded once per batch."""
    recipients_cache: dict[tuple[Any, ...], str] = {}
    records: dict[tuple[str, str], tuple[Any, ...]] = {}
    for row in rows:
        recipients = row.get("recipient_ids") or ()
        key = tuple(recipients)
        recipients_json = recipients_cache.get(key)
        if recipients_json is None:
            recipients_json = recipients_cache[key] = json_text(list(recipients))
        metadata = row.get("metadata")
        platform = clean_text(row["platform"])
        external_id = clean_text(row["external_id"])
        records[(platform, external_id)] = (
            platform,
            external_id,
            clean_text(row["thread_external_id"]),
            clean_text(row.get("sender_id")),
            recipients_json,
            clean_text(row.get("content_snippet")),
            row["ts"],
            bool(row["is_outgoing"]),
            clean_text(row["source_app"]),
            bool(row.get("is_agent_channel", False)),
            bool(row.get("exclude_from_automation", False)),
            bool(row.get("has_attachments", False)),
            "{}" if not metadata else json_text(metadata),
        )
    return list(records.values())


@db.boundary
def upsert_messages(conn: psycopg.Connection, rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    """Upsert ``rows`` (dicts keyed by the ``messages`` columns) by (platform, external_id).

    Within the batch the last row of a key wins. The row takes the latest state: an edited
    text replaces the stored one, which is kept in ``message_revisions``; a message deleted
    for everyone (``metadata.deleted`` true) loses its text, its revisions included, and
    merges its metadata into the stored one; ``has_attachments`` never goes back to false. An
    unchanged row is not written. Returns the counts and the id of every external_id.
    """
    rows = list(rows)
    records = stage_rows(rows)
    if not records:
        return UpsertCounts(0, 0, 0, {})
    cur = db.cursor(conn)
    with conn.transaction():
        present = cur.execute(QUERIES["message_stage_exists"]).fetchone()
        if present and present["present"]:
            cur.execute(QUERIES["message_stage_truncate"])
        else:
            cur.execute(QUERIES["message_stage_create"])
        with cur.copy(QUERIES["message_stage_copy"]) as copy:
            copy.set_types(COPY_TYPES)
            for record in records:
                copy.write_row(record)
        revised = cur.execute(QUERIES["message_revise"]).fetchone()["revised"]
        written = cur.execute(QUERIES["message_upsert"]).fetchall()
        ids = {r["external_id"]: r["id"] for r in written}
        if len(written) < len(records):
            ids = {r["external_id"]: r["id"] for r in cur.execute(QUERIES["message_stage_ids"])}
        cur.execute(QUERIES["message_stage_truncate"])
    inserted = sum(1 for r in written if r["inserted"])
    updated = len(written) - inserted
    return UpsertCounts(
        inserted=inserted,
        updated=updated,
        unchanged=len(rows) - inserted - updated,
        ids=ids,
        inserted_external_ids=frozenset(r["external_id"] for r in written if r["inserted"]),
        revised=int(revised),
    )


@db.boundary
def set_has_attachments(conn: psycopg.Connection, message_ids: Iterable[int]) -> int:
    """Set ``has_attachments`` on these messages; returns how many rows changed."""
    ids = list(message_ids)
    if not ids:
        return 0
    return db.cursor(conn).execute(QUERIES["message_set_has_attachments"], {"message_ids": ids}).rowcount
