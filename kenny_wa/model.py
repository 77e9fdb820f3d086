"""The records that flow through the pipeline, from the page to the database.

    page ──► raw row dicts (browser/page_js) ──► Message (parse.py, pure)
    Message + Chat ──► messages row dict (mapping.py, pure)
    ChatBatch ──► one transaction: rows, attachments, cursor, deferred jobs (persist.py)

All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

MESSAGE_KINDS = (
    "text",
    "image",
    "video",
    "gif",
    "voice",
    "document",
    "sticker",
    "view_once",
    "contact",
    "location",
    "poll",
    "deleted",
    "unknown",
)
MEDIA_KINDS = frozenset({"image", "video", "gif", "voice", "document", "sticker"})

# The columns of Kenny's shared ``messages`` table that a row carries (the data contract).
MESSAGE_COLUMNS = (
    "platform",
    "external_id",
    "thread_external_id",
    "sender_id",
    "recipient_ids",
    "content_snippet",
    "ts",
    "is_outgoing",
    "source_app",
    "is_agent_channel",
    "exclude_from_automation",
    "has_attachments",
    "metadata",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Chat:
    """A chat as discovered in the chat list (and confirmed in the conversation header)."""

    chat_id: str  # normalised JID ("…@c.us", "…@g.us", "…@lid") or "title:<title>" fallback
    title: str  # bidi marks stripped
    is_group: bool
    last_activity: dt.datetime | None  # from the chat list row time, None if unparseable
    id_source: str  # "packed" | "fiber" | "state" | "title"
    participants: tuple[str, ...] = ()  # group members as shown in the header subtitle
    archived: bool = False  # found in the Archived view, not the main list


@dataclasses.dataclass(frozen=True, slots=True)
class MediaRef:
    """Media seen in a bubble. Bytes are fetched separately (images only)."""

    kind: str  # one of MEDIA_KINDS
    blob_url: str | None = None  # full-resolution blob: URL, images only, once loaded
    duration: str | None = None  # voice/video, as displayed
    filename: str | None = None  # documents, as displayed
    file_type: str | None = None  # documents: the type the bubble shows ("PDF"), else the extension
    pages: int | None = None  # documents: the page count the bubble shows
    size: str | None = None  # documents: the size as displayed ("1.2 MB")


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    """One message as parsed from the page; the unit the mapping turns into a row."""

    external_id: str  # bare WhatsApp message id (packed ids are unpacked)
    chat_id: str
    # None only from ``extract-html`` (ParseContext.keep_undated): a row of a fragment that
    # carries no date of its own. A sync never yields (nor stores) a message without a time.
    ts: dt.datetime | None
    is_outgoing: bool
    # as the page shows it: name or phone for incoming; for own messages the owner's profile
    # name (data-pre-plain-text) or the "You" label (mapping stores settings.self_id instead)
    sender: str | None
    text: str | None  # body or caption, quoted block excluded, emoji restored
    kind: str  # one of MESSAGE_KINDS
    raw_data_id: str
    era: str  # selector profile that produced it: "p6" | "p5" | "p4"
    sender_name: str | None = None  # display name when the page shows one apart from sender
    quoted_text: str | None = None
    quoted_sender: str | None = None
    quoted_id: str | None = None
    forwarded: bool = False
    edited: bool = False
    deleted: bool = False
    reactions: tuple[str, ...] = ()
    media: MediaRef | None = None
    position: int | None = None  # index among the chat's messages of the same minute, in page order
    ambiguous_time: str | None = None  # how a repeated wall time was decided (ordering.AMBIGUOUS_NOTES)


@dataclasses.dataclass(frozen=True, slots=True)
class ImageBytes:
    """The full bytes of an image fetched from inside the page."""

    external_id: str
    data: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class MediaFailure:
    """An image whose bytes could not be fetched, with a content-free reason."""

    external_id: str
    reason: str  # e.g. "over_size_cap", "fetch_failed", "not_loaded"


@dataclasses.dataclass(slots=True)
class ChatBatch:
    """Everything one chat yielded in one run, ready to be committed in one transaction."""

    chat: Chat
    messages: list[Message]
    images: dict[str, ImageBytes | MediaFailure] = dataclasses.field(default_factory=dict)
    complete: bool = True
    partial_reason: str | None = None  # "phone_prompt" | "stalled" | "history_start_missing" ...
    # external ids as the page showed them, top to bottom (empty: the messages' own order)
    page_order: list[str] = dataclasses.field(default_factory=list)
    read_at: dt.datetime | None = None  # when the read began (no later than): None when nothing was read
    retry_since: dt.datetime | None = None  # the read reached back here for images to retry
