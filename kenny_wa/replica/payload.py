"""JSON the page app renders from: chats and message rows (scenario data → page data)."""

from __future__ import annotations

import base64
import re

from . import images
from .model import Chat, Message

_URL = r"https?://[^\s]+"
_EMOJI = (
    r"(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]\uFE0F?"
    r"(?:\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF]\uFE0F?)*)"
)
_TOKEN = re.compile(f"({_URL})|({_EMOJI})")


def segments(text: str | None) -> list[list[str]]:
    """[["t", text] | ["a", url] | ["e", emoji]] so the page renders links and emoji images."""
    if not text:
        return []
    out: list[list[str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            out.append(["t", text[pos:m.start()]])
        out.append(["a", m.group(1)] if m.group(1) else ["e", m.group(2)])
        pos = m.end()
    if pos < len(text):
        out.append(["t", text[pos:]])
    return out


def _person(msg: Message) -> dict | None:
    c = msg.sender
    if c is None:
        return None
    return {"display": c.display, "saved": c.name is not None, "phone": c.phone,
            "push": c.push_name, "lid": c.lid}


def summary_text(msg: Message) -> str | None:
    """The text a preview or quote shows, if the message has one; the page supplies the words
    for the rest (kind labels, the deleted texts) in its own language."""
    if msg.kind == "deleted":
        return None
    if msg.kind == "document":
        return msg.text or msg.attachment.filename
    return msg.text


def message(msg: Message, by_id: dict[str, Message]) -> dict:
    d: dict = {
        "id": msg.id,
        "t": int(msg.ts.timestamp() * 1000),
        "kind": msg.kind,
        "out": msg.is_outgoing,
        "sender": _person(msg),
        "segs": segments(msg.text),
        "fwd": msg.forwarded,
        "edited": msg.edited,
        "receipt": msg.receipt if msg.is_outgoing else None,
        "reactions": [list(r) for r in msg.reactions],
    }
    if msg.quoted_id and msg.quoted_id in by_id:
        q = by_id[msg.quoted_id]
        d["quoted"] = {"author": None if q.is_outgoing else q.sender.display, "out": q.is_outgoing,
                       "segs": segments(summary_text(q)), "kind": q.kind}
    if msg.kind == "system":
        d["text"], d["notice"] = msg.text, list(msg.notice) or None
    att = msg.attachment
    if att is not None and msg.kind != "deleted":
        a: dict = {"mt": att.media_type, "w": att.width, "h": att.height, "size": att.size,
                   "filename": att.filename, "duration": att.duration_s, "broken": att.broken,
                   "key": base64.b64encode(att.key).decode()}
        if msg.kind in ("image", "video", "gif"):
            a["thumb"] = images.thumbnail_b64(att)
        if msg.kind in ("image", "sticker"):
            a["src"] = f"/__replica/media/{msg.id}"
        d["att"] = a
    return d


def chat(c: Chat) -> dict:
    last = next((m for m in reversed(c.messages) if m.is_message), c.messages[-1])
    preview = summary_text(last) if last.is_message else last.text
    return {
        "jid": c.jid,
        "title": c.title,
        "is_group": c.is_group,
        "archived": c.archived,
        "t": int(c.last_activity.timestamp() * 1000),
        "unread": c.unread,
        "marked_unread": c.marked_unread,
        "muted": c.muted,
        "participants": [p.display for p in c.participants],
        "preview": {"text": preview, "out": last.is_outgoing, "kind": last.kind,
                    "notice": list(last.notice) or None,
                    "receipt": last.receipt if last.is_outgoing else None,
                    "author": (last.sender.display if c.is_group and last.sender and last.is_message
                               and not last.is_outgoing else None)},
    }
