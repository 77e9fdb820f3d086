"""Chat-level reads for the owner's own terminal (``kenny-wa status``): never for logs."""

from __future__ import annotations

from typing import Any

import psycopg

from kenny_wa.store import db
from kenny_wa.store.queries import QUERIES
from kenny_wa.store.state import SOURCE


@db.boundary
def incomplete_chats(conn: psycopg.Connection, source: str = SOURCE) -> list[dict[str, Any]]:
    """Chats whose last sync stopped short: chat_id, reason, last_synced_at and a display name."""
    rows = db.cursor(conn).execute(QUERIES["status_incomplete_chats"], {"source": source}).fetchall()
    return [
        {
            "chat_id": r["chat_id"],
            "reason": r["partial_reason"] or "unknown",
            "last_synced_at": r["last_synced_at"],
            "name": display_name(r["chat_id"], r["outgoing_to"], r["last_sender"]),
        }
        for r in rows
    ]


@db.boundary
def known_chat_ids(conn: psycopg.Connection, source: str = SOURCE) -> list[str]:
    """Every chat id in the cursors or the stored messages."""
    return [r["chat_id"] for r in db.cursor(conn).execute(QUERIES["status_chat_ids"], {"source": source})]


def display_name(chat_id: str, outgoing_to: str | None, last_sender: str | None) -> str:
    """The best name kenny-wa has for a chat (pure): its title when the id is one, a 1:1 chat's
    title or last sender, else what the id itself says."""
    if chat_id.startswith("title:"):
        return chat_id.removeprefix("title:")
    user, _, server = chat_id.partition("@")
    if server == "g.us":
        return f"a group ({last_sender} wrote last)" if last_sender else "a group"
    name = outgoing_to or last_sender
    if name:
        return name
    return f"+{user}" if server == "c.us" and user.isdigit() else chat_id
