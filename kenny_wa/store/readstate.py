"""The remembered read state of chats (``chat_unread``): deferrals and pending restores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg

from kenny_wa.store import db
from kenny_wa.store.queries import QUERIES
from kenny_wa.store.state import SOURCE
from kenny_wa.store.text import clean_text
from kenny_wa.unread import Remembered


@db.boundary
def get_read_state(conn: psycopg.Connection, source: str = SOURCE) -> dict[str, Remembered]:
    """Every chat's remembered read state, keyed by chat id."""
    rows = db.cursor(conn).execute(QUERIES["unread_get"], {"source": source}).fetchall()
    return {r["chat_id"]: Remembered(r["deferred_since"], r["restore_pending_since"]) for r in rows}


@db.boundary
def record_deferred(
    conn: psycopg.Connection,
    chat_ids: Iterable[str],
    *,
    now: dt.datetime,
    settle: bool,
    titles: Mapping[str, str] | None = None,
    source: str = SOURCE,
) -> None:
    """Remember the chats a run deferred (since ``now`` unless already waiting) and the titles
    the list showed; with ``settle`` (the run walked every view) the chats it did not defer
    wait no longer."""
    chat_ids = list(chat_ids)
    ids = [clean_text(c) for c in chat_ids]
    names = [clean_text(t) if (t := (titles or {}).get(c)) else None for c in chat_ids]
    cur = db.cursor(conn)
    cur.execute(QUERIES["unread_defer"], {"source": source, "chat_ids": ids, "titles": names, "now": now})
    if settle:
        cur.execute(QUERIES["unread_settle"], {"source": source, "chat_ids": ids})
        cur.execute(QUERIES["unread_prune"], {"source": source})


@db.boundary
def note_restore_pending(conn: psycopg.Connection, chat_id: str, source: str = SOURCE) -> None:
    """A chat is about to be opened under restore (the caller commits before the click)."""
    params = {"source": source, "chat_id": clean_text(chat_id)}
    db.cursor(conn).execute(QUERIES["unread_restore_pending"], params)


@db.boundary
def note_restored(conn: psycopg.Connection, chat_id: str, source: str = SOURCE) -> None:
    """The chat shows unread again; nothing is pending for it."""
    db.cursor(conn).execute(QUERIES["unread_restored"], {"source": source, "chat_id": clean_text(chat_id)})


@db.boundary
def unread_waiting(conn: psycopg.Connection, source: str = SOURCE) -> dict[str, Any]:
    """``{"chats": n, "oldest": datetime | None}``: chats deferred for their badge."""
    row = db.cursor(conn).execute(QUERIES["unread_waiting"], {"source": source}).fetchone() or {}
    return {"chats": int(row.get("chats") or 0), "oldest": row.get("oldest")}


@db.boundary
def deferred_chats(conn: psycopg.Connection, source: str = SOURCE) -> list[dict[str, Any]]:
    """The chats waiting for their badge: chat_id, title (None before migration 0006's first
    run), deferred_since; for the owner's own terminal, never for logs."""
    rows = db.cursor(conn).execute(QUERIES["status_deferred_chats"], {"source": source}).fetchall()
    return [dict(r) for r in rows]
