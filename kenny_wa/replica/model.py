"""The replica's in-memory world: contacts, chats and messages (scenario data, not DOM)."""

from __future__ import annotations

import dataclasses
import datetime as dt

ATTACHMENT_KINDS = frozenset({"image", "video", "gif", "voice", "document", "sticker"})
MESSAGE_KINDS = ("text", "image", "video", "gif", "voice", "document", "sticker", "deleted")
ROW_KINDS = ("system", "e2e")  # rows with a data-id that are not messages
BROKEN_KINDS = ("corrupt", "truncated", "empty", "not_image", "huge", "bomb")


@dataclasses.dataclass(slots=True)
class Contact:
    jid: str  # the 1:1 chat JID (<digits>@c.us, or @lid for a few)
    phone: str  # display form, e.g. "+1 555 0100 123"
    name: str | None  # saved contact name; None = unsaved (shown by phone)
    push_name: str  # the name the contact set for themselves ("Maybe …" in groups)
    lid: str  # <digits>@lid, used as participant in P4 packed group ids
    device: str  # ios | android | web: shapes the ids of the messages they send

    @property
    def display(self) -> str:
        return self.name or self.phone


@dataclasses.dataclass(slots=True)
class Attachment:
    media_type: str
    seed: int
    width: int = 0
    height: int = 0
    size: int = 0  # declared size; for images the real size is len(bytes)
    broken: str | None = None
    filename: str | None = None
    duration_s: int | None = None
    key: bytes = b""  # XOR key the page uses to "decrypt" the served bytes
    text_style: str | None = None  # an image with drawn text (see text_images.STYLES)


@dataclasses.dataclass(slots=True)
class Message:
    id: str
    chat_jid: str
    ts: dt.datetime  # UTC, whole minutes
    kind: str  # one of MESSAGE_KINDS or ROW_KINDS
    is_outgoing: bool
    sender: Contact | None  # None for own messages and rows without an actor
    text: str | None = None
    forwarded: bool = False
    edited: bool = False
    quoted_id: str | None = None
    reactions: tuple[tuple[str, int], ...] = ()
    attachment: Attachment | None = None
    receipt: str = "read"  # read | delivered | sent (own messages only)
    notice: tuple[str, ...] = ()  # system rows: (words key, actor, other), worded by the page

    @property
    def is_message(self) -> bool:
        return self.kind not in ROW_KINDS


@dataclasses.dataclass(slots=True)
class Chat:
    jid: str
    title: str
    is_group: bool
    contact: Contact | None  # the other party of a 1:1 chat
    participants: list[Contact]  # group members other than the account owner
    archived: bool = False
    phone_prompt: bool = False  # history stops at "Click this message to load older…"
    unread: int = 0  # the badge count: incoming messages nobody has read yet
    marked_unread: bool = False  # "Mark as unread" from the chat menu (a marker, no count)
    muted: bool = False
    messages: list[Message] = dataclasses.field(default_factory=list)

    @property
    def last_activity(self) -> dt.datetime:
        return self.messages[-1].ts


@dataclasses.dataclass(slots=True)
class Scenario:
    name: str
    seed: int
    now: dt.datetime
    own_name: str
    own_phone: str
    chats: list[Chat]

    def chat(self, jid: str) -> Chat:
        for c in self.chats:
            if c.jid == jid:
                return c
        raise KeyError(jid)
