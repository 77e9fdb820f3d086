"""Ground truth computed from scenario data (never from the DOM), in the scraper's semantics."""

from __future__ import annotations

import datetime as dt
import hashlib

from . import images
from .model import ATTACHMENT_KINDS, Chat, Message, Scenario


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attachment(msg: Message) -> dict:
    att = msg.attachment
    if msg.kind == "image":
        data = images.media_bytes(att)
        return {"media_type": att.media_type, "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data), "broken": att.broken, "text": images.drawn_text(att)}
    size = len(images.media_bytes(att)) if msg.kind == "sticker" else att.size
    return {"media_type": att.media_type, "sha256": None, "size": size, "broken": None, "text": None}


def message_truth(chat: Chat, msg: Message, self_id: str) -> dict:
    if chat.is_group:
        everyone = {p.display for p in chat.participants} | {self_id}
        sender = self_id if msg.is_outgoing else msg.sender.display
        recipients = sorted(everyone - {sender})
    elif msg.is_outgoing:
        sender, recipients = self_id, [chat.contact.display]
    else:
        sender, recipients = chat.contact.display, [self_id]
    deleted = msg.kind == "deleted"
    has_att = msg.kind in ATTACHMENT_KINDS
    return {
        "external_id": msg.id,
        "thread_external_id": chat.jid,
        "sender_id": sender,
        "recipient_ids": recipients,
        "content_snippet": None if deleted else msg.text,
        "ts": iso(msg.ts),
        "is_outgoing": msg.is_outgoing,
        "has_attachments": has_att,
        "kind": msg.kind,
        "forwarded": msg.forwarded,
        "edited": msg.edited,
        "deleted": deleted,
        # in the scraper's semantics: each emoji once, without the emoji variation selector
        "reactions": list(dict.fromkeys(e.replace("\ufe0f", "") for e, _ in msg.reactions)),
        "quoted_external_id": msg.quoted_id,
        "attachments": [_attachment(msg)] if has_att else [],
    }


def chat_truth(chat: Chat) -> dict:
    msgs = [m for m in chat.messages if m.is_message]
    return {
        "thread_external_id": chat.jid,
        "title": chat.title,
        "is_group": chat.is_group,
        "participants": [p.display for p in chat.participants],
        "archived": chat.archived,
        "unread": chat.unread,
        "marked_unread": chat.marked_unread,
        "last_activity": iso(chat.last_activity),
        "history_limit": iso(msgs[0].ts) if chat.phone_prompt and msgs else None,
        "phone_prompt": chat.phone_prompt,
    }


def badged(chat: dict) -> bool:
    """A ground-truth chat whose list row shows an unread badge or the "marked unread" marker."""
    return bool(chat["unread"]) or bool(chat["marked_unread"])


def synced(chat: dict, *, unread: str = "defer", include_archived: bool = True) -> bool:
    """Must a sync with these settings (the defaults unless told) read this ground-truth chat?

    Under ``defer`` a badged chat waits (within WHATSAPP_UNREAD_DEFER_HOURS of first seeing
    the badge, which a test's runs always are); ``restore`` and ``read`` read every chat.
    """
    if chat["archived"] and not include_archived:
        return False
    return unread != "defer" or not badged(chat)


def ground_truth(scn: Scenario, self_id: str = "me", generated_at: dt.datetime | None = None) -> dict:
    return {
        "self_id": self_id,
        "own_name": scn.own_name,
        "generated_at": iso(generated_at or scn.now),
        "chats": [chat_truth(c) for c in scn.chats],
        "messages": [
            message_truth(c, m, self_id) for c in scn.chats for m in c.messages if m.is_message
        ],
    }
