"""Message + Chat → a ``messages`` row (pure).

The row has exactly the columns of the shared ``messages`` table (``model.MESSAGE_COLUMNS``).
Rules, beyond the spec's field list:

* ``sender_id``: for incoming messages the raw sender as the page shows it (phone string or
  contact name); in a 1:1 chat whose bubbles show no sender, the chat title (the other
  party). For the owner's messages, ``settings.self_id`` on every row (the page shows the
  owner's profile name, which can change; a fixed id keeps rows joinable).
  A group message whose sender the page did not reveal gets ``UNKNOWN_SENDER``.
* ``recipient_ids``: a sorted, de-duplicated list of strings. 1:1 incoming → ``[self_id]``;
  1:1 outgoing → ``[chat.title]``; group → every participant shown in the header (the
  owner's own label, "You" or its translation, replaced by ``self_id``) plus ``self_id``,
  minus the sender.
* ``content_snippet``: the body or caption; ``None`` for deleted messages and media without
  a caption.
* ``metadata``: structural facts only, never a second copy of content: kind, quoted id and
  quoted sender (not the quoted text), forwarded/edited/deleted, sender display name (for
  the owner's messages, the profile name the page shows, while ``sender_id`` stays
  ``self_id``), the raw ``data-id``, the DOM era, the reaction emoji and ``agent_route``
  (whether the agent rules route the message to the agent queue; ``routes_to_agent(row)``
  reads it); for a document, ``document`` = its file name, type, page count and size as the
  bubble shows them; once the page's order is known, ``position`` (the message's index within
  its minute: order rows by ``ts`` then ``position``) and, in a daylight-saving repeated hour,
  ``ambiguous_time`` (how the offset was decided, see ``kenny_wa.ordering``).

Every string is made storable: NUL is removed and lone UTF-16 surrogates become U+FFFD
(psycopg refuses both).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from kenny_wa import words
from kenny_wa.agent import AgentRules, strip_bidi
from kenny_wa.config import Settings
from kenny_wa.model import MEDIA_KINDS, Chat, Message

PLATFORM = "whatsapp"
SOURCE_APP = "WhatsApp Web"
UNKNOWN_SENDER = "unknown"
# How WhatsApp Web labels the owner in a group's participant list, by UI language.
SELF_LABELS = words.YOU_WORDS
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(value: str) -> str:
    """Make a string storable in Postgres: drop NUL, mend split surrogate pairs, replace lone
    surrogates with U+FFFD (the store's ``clean_text``: both layers must agree)."""
    from kenny_wa.store.text import clean_text

    return clean_text(value)


def _clean_opt(value: str | None) -> str | None:
    return None if value is None else clean(value)


def _utc(ts: dt.datetime) -> dt.datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("message timestamp must be timezone-aware")
    return ts.astimezone(dt.UTC)


def sender_id(message: Message, chat: Chat, settings: Settings) -> str:
    """The ``sender_id`` column (see the module docstring)."""
    if message.is_outgoing:
        return clean(settings.self_id)
    if message.sender:
        return clean(strip_bidi(message.sender).strip()) or UNKNOWN_SENDER
    if not chat.is_group and chat.title:
        return clean(chat.title)
    return UNKNOWN_SENDER


def recipient_ids(message: Message, chat: Chat, settings: Settings) -> list[str]:
    """The ``recipient_ids`` column: sorted, de-duplicated strings."""
    self_id = clean(settings.self_id)
    sender = sender_id(message, chat, settings)
    if not chat.is_group:
        return [self_id] if not message.is_outgoing else [clean(chat.title)]
    people: set[str] = {self_id}
    for raw in participants(chat.participants):
        people.add(self_id if words.is_you(raw) else raw)
    people.discard(sender)
    return sorted(people)


def participants(shown: Iterable[str]) -> list[str]:
    """Participant display strings with bidi marks, blanks and duplicates removed."""
    seen: dict[str, None] = {}
    for raw in shown:
        value = clean(strip_bidi(raw).strip())
        if value:
            seen.setdefault(value, None)
    return list(seen)


def content_snippet(message: Message) -> str | None:
    """Body or caption; ``None`` when deleted or without text."""
    if message.deleted or message.kind == "deleted" or not message.text:
        return None
    return clean(message.text)


def message_metadata(
    message: Message, *, agent_route: bool = False, archived: bool = False
) -> dict[str, Any]:
    """The ``metadata`` jsonb: structural facts only (see the module docstring)."""
    meta: dict[str, Any] = {
        "kind": message.kind,
        "quoted_id": _clean_opt(message.quoted_id),
        "quoted_sender": _clean_opt(message.quoted_sender),
        "forwarded": message.forwarded,
        "edited": message.edited,
        "deleted": message.deleted or message.kind == "deleted",
        "sender_name": _clean_opt(message.sender_name),
        "raw_data_id": clean(message.raw_data_id),
        "era": message.era,
        "reactions": [clean(r) for r in message.reactions],
        "agent_route": agent_route,
        "archived": archived,  # the chat was read from the Archived view
    }
    if message.position is not None:
        meta["position"] = message.position
    if message.ambiguous_time is not None:
        meta["ambiguous_time"] = message.ambiguous_time
    if message.kind == "document" and message.media is not None:
        doc = message.media
        meta["document"] = {
            "filename": _clean_opt(doc.filename), "type": _clean_opt(doc.file_type),
            "pages": doc.pages, "size": _clean_opt(doc.size),
        }
    return meta


def message_row(
    message: Message, chat: Chat, settings: Settings, *, rules: AgentRules | None = None
) -> dict[str, Any]:
    """One ``messages`` row for ``message`` of ``chat``; keys are ``model.MESSAGE_COLUMNS``.

    ``rules`` lets a caller mapping many messages build ``AgentRules`` once.
    """
    decision = (rules or AgentRules.from_settings(settings)).classify(chat, message)
    return {
        "platform": PLATFORM,
        "external_id": clean(message.external_id),
        "thread_external_id": clean(chat.chat_id),
        "sender_id": sender_id(message, chat, settings),
        "recipient_ids": recipient_ids(message, chat, settings),
        "content_snippet": content_snippet(message),
        "ts": _utc(message.ts),
        "is_outgoing": message.is_outgoing,
        "source_app": SOURCE_APP,
        "is_agent_channel": decision.is_agent_channel,
        "exclude_from_automation": decision.exclude_from_automation,
        "has_attachments": message.kind in MEDIA_KINDS,
        "metadata": message_metadata(
            message, agent_route=decision.route_to_agent_queue, archived=chat.archived
        ),
    }


def message_rows(messages: Iterable[Message], chat: Chat, settings: Settings) -> list[dict[str, Any]]:
    """``message_row`` for every message of one chat, building the agent rules once."""
    rules = AgentRules.from_settings(settings)
    return [message_row(m, chat, settings, rules=rules) for m in messages]


def routes_to_agent(row: dict[str, Any]) -> bool:
    """Whether a mapped row must be handed to the agent queue (``defer_agent_messages``)."""
    return bool(row.get("metadata", {}).get("agent_route"))
