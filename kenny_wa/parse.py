"""Raw rows from the page → :class:`kenny_wa.model.Message`. Pure: no browser, no clock, no I/O.

A raw row is the dict ``page_js/extract_rows.js`` returns per ``[role=row]`` (keys are its
``FIELDS``). :func:`parse_window` turns one window of them (in DOM order) into messages:

- time: ``data-pre-plain-text`` ("[10:54 PM, 12/9/2025] Name: "), or the ``msg-meta`` time
  plus the nearest date anchor (a date separator, or a row of the same day with a full stamp);
  local wall time in ``ctx.timezone`` → aware UTC. Numeric dates are read in the page's date
  order as learned from the window's own dates and those seen before (``ctx.chat_dates``,
  :mod:`kenny_wa.dates`), never from the locale setting;
- direction: packed id prefix → ``.message-out/in`` → tail → "You:" label → receipt →
  author block (incoming only), then names learned in the window, then the row's block;
- sender, kind, text, quote, flags, reactions.

Dates that are ambiguous or impossible are never guessed: the row is dropped and a warning
kind (a fixed string, never content) is counted instead; a window whose dates waited for the
order says so (``ParseResult.dates_pending``) so its reader can read it again once known.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from kenny_wa import dates, words
from kenny_wa.model import MEDIA_KINDS, MESSAGE_KINDS, MediaRef, Message

UTC = dt.UTC

# One vocabulary (kenny_wa.words) and one dates module (kenny_wa.dates) for every reader;
# the names are kept here for the callers that import them from parse.
YOU_LABELS = words.YOU_LABELS
YOU_NAMES = words.YOU_WORDS
EDITED_WORDS = words.EDITED_WORDS
strip_bidi = words.strip_bidi
_clean = words.clean
parse_time = dates.parse_time
parse_date = dates.parse_date
to_utc = dates.to_utc
date_order_from_parts = dates.date_order_from_parts

_PPT = re.compile(r"^\s*\[(?P<time>[^,\]]+),\s*(?P<date>[^\]]+)\]\s?(?P<sender>.*?):\s*$", re.S)
_PACKED = re.compile(r"^(true|false)_([^_@\s]+@[a-z.]+)_([0-9A-Za-z]+)(?:_(.+))?$")
_PHONE = re.compile(r"^\+?[\d\s().\-]{6,}$")
_EMOJI = re.compile(
    "(?:[\U0001F1E6-\U0001F1FF]{2}"
    "|[\u00a9\u00ae\u203c-\u3299\U0001F000-\U0001FAFF]"
    "[\uFE0F\U0001F3FB-\U0001F3FF]*(?:\u200d[\u2600-\u27bf\U0001F000-\U0001FAFF][\uFE0F\U0001F3FB-\U0001F3FF]*)*)"
)
# Kinds told by their own markers that carry no attachment bytes.
_MARKED_KINDS = frozenset(MESSAGE_KINDS) - MEDIA_KINDS - {"text", "deleted", "unknown"}
_DOC_SIZE = re.compile(r"^\d+(?:[.,]\d+)?\s*(?:[kKMGT]i?B|[kKMGT]o|B|bytes?)$")
_DOC_PAGES = re.compile(r"^(\d+)\s*(?:pages?|páginas?|seiten?|pagin[ae]|pagine|sayfa|页|ページ)$", re.I)
_DOC_TYPE = re.compile(r"^[A-Z0-9]{2,5}$")
_DOC_TITLE = re.compile(r"[\"“«](.+)[\"”»]")


@dataclasses.dataclass(frozen=True, slots=True)
class ParseContext:
    """What parsing one chat's rows needs to know about the chat and the page."""

    chat_id: str
    chat_title: str | None
    is_group: bool
    now: dt.datetime  # aware; anchors "Today", "Yesterday" and weekday separators
    locale: str = "en-US"  # the browser's setting: never decides how a date is read
    timezone: str = "UTC"
    date_order: str | None = None  # the page's Intl order (informative: WhatsApp's may differ)
    hour_cycle: str | None = None  # "h12" | "h23" from the page's Intl (informative)
    # The chat's date order as learned so far (shared by its windows, linked to the page's);
    # None: each window decides from its own dates alone.
    chat_dates: dates.ChatDates | None = dataclasses.field(default=None, compare=False)
    # A stamped row dates its unstamped neighbours only where the page draws date separators
    # (the live page always does). A saved fragment may have lost them: False = only when a
    # separator is in the window.
    stamp_anchors: bool = True
    # extract-html: keep a message whose date cannot be read, with ts None (never invented);
    # a sync drops it with a warning.
    keep_undated: bool = False

    @property
    def today(self) -> dt.date:
        return dates.today_in(self.now, self.timezone)


class Stamp(NamedTuple):
    """A parsed timestamp: ``ts`` (aware UTC) or None with a warning kind."""

    ts: dt.datetime | None
    day: dt.date | None
    warning: str | None
    hm: tuple[int, int] | None = None


class PackedId(NamedTuple):
    from_me: bool
    remote: str
    msg_id: str
    participant: str | None


@dataclasses.dataclass(slots=True)
class ParseResult:
    messages: list[Message]
    warnings: collections.Counter[str]
    ids: list[str]  # external ids of every message row seen, parsed or not, in DOM order
    chat_jid: str | None  # the chat JID revealed by packed ids, normalised
    dates_pending: bool = False  # some date waited for the page's date order: read again later
    dates_contradicted: bool = False  # no date order fits the chat's dates: trust none


# --- small pure helpers ---------------------------------------------------------------------


def normalise_jid(jid: str) -> str:
    """``@s.whatsapp.net`` → ``@c.us``, lower-case, no device suffix (``:12``)."""
    value = jid.strip().lower()
    user, _, server = value.partition("@")
    user = user.split(":", 1)[0]
    if server == "s.whatsapp.net":
        server = "c.us"
    return f"{user}@{server}" if server else user


def split_packed_id(data_id: str) -> PackedId | None:
    """``true_<jid>_<id>[_<participant>]`` → its parts; None for a bare id."""
    m = _PACKED.match(data_id or "")
    if not m:
        return None
    return PackedId(m[1] == "true", normalise_jid(m[2]), m[3], normalise_jid(m[4]) if m[4] else None)


def external_id(data_id: str, testid_id: str = "") -> str:
    """The bare message id, the same in every era (packed ids are unpacked)."""
    packed = split_packed_id(data_id)
    if packed:
        return packed.msg_id
    return (data_id or testid_id or "").strip()


# --- time and date --------------------------------------------------------------------------


class PrePlainText(NamedTuple):
    """``[<time>, <date>] <sender>: `` as read; the date waits for the page's order."""

    hm: tuple[int, int] | None
    date: dates.DateText | None
    date_warning: str | None
    sender: str | None


@functools.lru_cache(maxsize=8192)  # overlapping windows read the same rows again
def read_pre_plain_text(value: str) -> PrePlainText | None:
    m = _PPT.match(value or "")
    if not m:
        return None
    date, warning = dates.read_date(m["date"])
    return PrePlainText(parse_time(m["time"]), date, warning, clean_name(m["sender"]))


def stamp_of(ppt: PrePlainText, order: str | None, timezone: str) -> Stamp:
    """A read prefix's timestamp in the page's date order (None: only unambiguous dates)."""
    day = dates.resolve(ppt.date, order)
    if day is None:
        warning = ppt.date_warning or ("ambiguous_date" if order is None else "impossible_date")
        return Stamp(None, None, warning, ppt.hm)
    if ppt.hm is None:
        return Stamp(None, day, "unparsed_time")
    ts, warning = to_utc(day, *ppt.hm, timezone)
    return Stamp(ts, day, warning, ppt.hm)


def parse_pre_plain_text(
    value: str, ctx: ParseContext, order: str | None = None
) -> tuple[Stamp, str | None]:
    """``[<time>, <date>] <sender>: `` → (Stamp in ``order``, sender with bidi marks stripped)."""
    ppt = read_pre_plain_text(value)
    if ppt is None:
        return Stamp(None, None, "unparsed_pre_plain_text"), None
    return stamp_of(ppt, order, ctx.timezone), ppt.sender


# --- names ----------------------------------------------------------------------------------


def clean_name(value: str | None) -> str | None:
    """Bidi marks and the unsaved-contact "~" removed; None when empty."""
    if value is None:
        return None
    name = _clean(value).lstrip("~").strip()
    return name or None


def is_phone(value: str) -> bool:
    return bool(_PHONE.match(value)) and sum(ch.isdigit() for ch in value) >= 6


def author_sender(label: str, texts: Sequence[str]) -> tuple[str | None, str | None]:
    """An author block → (sender, display name). The sender is what ``data-pre-plain-text``
    would carry: the phone for an unsaved contact (shown beside a "Maybe"/"~" name), else
    the name."""
    cleaned = [c for c in (clean_name(t) for t in texts) if c]
    phone = next((t for t in cleaned if is_phone(t)), None)
    name = next((t for t in cleaned if not is_phone(t)), None)
    if name is None and label:
        name = clean_name(re.sub(r"^(maybe|talvez|forse|quizás)\s+", "", _clean(label), flags=re.I))
        if name and is_phone(name):
            phone, name = phone or name, None
    return (phone or name), name


def parse_reactions(labels: Iterable[str]) -> tuple[str, ...]:
    """Reaction button labels ("Reactions 👍, ❤ 4 in total") → the emoji, in order, once each."""
    seen: dict[str, None] = {}
    for label in labels:
        for emoji in _EMOJI.findall(label or ""):
            seen.setdefault(emoji.replace("\ufe0f", ""), None)
    return tuple(seen)


# --- one window -----------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class _Row:
    raw: Mapping[str, Any]
    index: int
    ext_id: str
    packed: PackedId | None
    stamp: Stamp | None  # from data-pre-plain-text, once the date order is applied
    ppt: PrePlainText | None
    ppt_sender: str | None
    time: tuple[int, int] | None  # from msg-meta
    own_signal: bool | None
    starts_block: bool
    author: str | None
    author_name: str | None
    outgoing: bool | None = None
    day: dt.date | None = None


_BREAK = object()  # a system row: ends a block, keeps the day
_Item = Any  # _Row | _Separator (dt.date | None once the order is applied) | _BREAK


def direction_signal(raw: Mapping[str, Any], packed: PackedId | None) -> bool | None:
    """The reference's chain for one row: True outgoing, False incoming, None no signal."""
    if packed:
        return packed.from_me
    if raw.get("cls_out"):
        return True
    if raw.get("cls_in"):
        return False
    tail = raw.get("tail")
    if tail in ("out", "in"):
        return tail == "out"
    prefix = words.fold(raw.get("prefix") or "")
    if prefix:
        if prefix in YOU_LABELS:
            return True
        if prefix.endswith(":"):
            return False
    # "You deleted this message" is shown only on the owner's deleted messages.
    if raw.get("del_text") in ("own", "other"):
        return raw["del_text"] == "own"
    if raw.get("receipt"):
        return True
    if raw.get("author_texts") or raw.get("author_label"):
        return False
    return None


def is_message_row(raw: Mapping[str, Any]) -> bool:
    """Message rows have a stamp, a time, media, a body or a deleted marker (reference §2.2:
    bare-id rows with none of these are contact-card style rows, not messages)."""
    return raw.get("row") == "msg" and bool(
        raw.get("ppt") or raw.get("meta") or raw.get("media") or raw.get("del")
        or raw.get("text") or raw.get("caption")
    )


def parse_window(raws: Sequence[Mapping[str, Any]], ctx: ParseContext, *, era: str) -> ParseResult:
    """One window of raw rows, in DOM order → messages (see the module docstring)."""
    warnings: collections.Counter[str] = collections.Counter()
    items: list[_Item] = []  # a row, a separator's date, None (unreadable label) or _BREAK
    ids: list[str] = []
    chat_jid: str | None = None
    today = ctx.today
    for index, raw in enumerate(raws):
        kind = raw.get("row")
        if kind != "msg":
            label = raw.get("label") or ""
            if kind == "system":
                items.append(_BREAK)  # ends a block, not a day
            elif kind == "other" and label:
                # A date, or an unreadable label: never carry a date across that.
                items.append(_Separator(dates.read_separator(label, today)))
            continue
        ext = external_id(raw.get("id") or "", raw.get("tid") or "")
        if not is_message_row(raw):
            warnings["skipped_non_message"] += 1
            continue
        if not ext:
            warnings["no_id"] += 1
            continue
        ids.append(ext)
        packed = split_packed_id(raw.get("id") or "")
        if packed and chat_jid is None:
            chat_jid = packed.remote
        ppt = None
        if raw.get("ppt"):
            ppt = read_pre_plain_text(raw["ppt"])
            if ppt is None:
                warnings["unparsed_pre_plain_text"] += 1
        meta_time = parse_time(raw.get("meta") or "", anchored=False)
        author, author_name = author_sender(raw.get("author_label") or "", raw.get("author_texts") or ())
        has_author = bool(raw.get("author_texts") or raw.get("author_label"))
        items.append(_Row(
            raw=raw, index=index, ext_id=ext, packed=packed, stamp=None, ppt=ppt,
            ppt_sender=ppt.sender if ppt else None,
            time=meta_time, own_signal=direction_signal(raw, packed),
            starts_block=bool(raw.get("tail")) or has_author, author=author, author_name=author_name,
        ))
    chat_dates = ctx.chat_dates if ctx.chat_dates is not None else dates.ChatDates()
    chat_dates.observe(_sightings(items), today)
    order = chat_dates.order
    pending = _apply_order(items, order, ctx.timezone)
    _assign_days(items, anchors=ctx.stamp_anchors or any(isinstance(it, dt.date) for it in items))
    rows = [it for it in items if isinstance(it, _Row)]
    _assign_directions(items, ctx)
    senders = _assign_senders(items, ctx)
    messages: list[Message] = []
    for row in rows:
        message = _build(row, ctx, era, senders.get(row.index), warnings)
        if message is not None:
            messages.append(message)
    return ParseResult(messages, warnings, ids, chat_jid, dates_pending=pending,
                       dates_contradicted=chat_dates.contradicted)


@dataclasses.dataclass(slots=True)
class _Separator:
    text: dates.DateText | None  # None: not a date (a boundary no date is carried across)


def _sightings(items: list[_Item]) -> list[dates.Sighting]:
    """Every date the window shows, in page order, each prefix date with its separator's."""
    out: list[dates.Sighting] = []
    anchor: dates.DateText | None = None
    for it in items:
        if isinstance(it, _Separator):
            anchor = it.text
            if it.text is not None:
                out.append(dates.Sighting(it.text))
        elif isinstance(it, _Row) and it.ppt is not None and it.ppt.date is not None:
            if not out or out[-1] != (it.ppt.date, anchor):  # a day's rows repeat one date
                out.append(dates.Sighting(it.ppt.date, anchor))
    return out


def _apply_order(items: list[_Item], order: str | None, timezone: str) -> bool:
    """Turn separators into dates and prefixes into stamps in ``order``; True when a date had
    to wait for the order (undecided), so the window must be read again once it is known."""
    pending = False
    stamps: dict[PrePlainText, Stamp] = {}
    for i, it in enumerate(items):
        if isinstance(it, _Separator):
            day = dates.resolve(it.text, order)
            pending = pending or (day is None and it.text is not None)
            items[i] = day
        elif isinstance(it, _Row) and it.ppt is not None:
            if it.ppt not in stamps:
                stamps[it.ppt] = stamp_of(it.ppt, order, timezone)
            it.stamp = stamps[it.ppt]
            pending = pending or (it.stamp.day is None and it.ppt.date is not None)
    return pending and order is None


def _assign_days(items: list[_Item], *, anchors: bool = True) -> None:
    """Give each row the day it belongs to: its own stamp, else the nearest anchor before it
    (a separator or a stamped row), else the nearest stamped row after it with no separator
    or other boundary in between (WhatsApp draws a separator at every day change).
    Without ``anchors`` (no separator proves the rows are contiguous) only separators date
    other rows."""
    current: dt.date | None = None
    for it in items:
        if it is _BREAK:
            continue
        if not isinstance(it, _Row):
            current = it  # a date, or None after an unreadable boundary
        elif it.stamp and it.stamp.day:
            it.day = it.stamp.day
            if anchors:
                current = it.day
        else:
            it.day = current
    if not anchors:
        return
    following: dt.date | None = None
    for it in reversed(items):
        if it is _BREAK:
            continue
        if not isinstance(it, _Row):
            following = None
        elif it.stamp and it.stamp.day:
            following = it.stamp.day
        elif it.day is None:
            it.day = following


def _segments(items: list[_Item]) -> list[list[_Row]]:
    """Runs of consecutive rows between separators / system rows / other boundaries."""
    out: list[list[_Row]] = [[]]
    for it in items:
        if isinstance(it, _Row):
            out[-1].append(it)
        elif out[-1]:
            out.append([])
    return [seg for seg in out if seg]


def _blocks(segment: list[_Row]) -> list[list[_Row]]:
    """Consecutive bubbles from one sender: a tail or author block starts a new one, and so
    does any change of direction, packed participant or stamped sender."""
    blocks: list[list[_Row]] = []
    for row in segment:
        prev = blocks[-1][-1] if blocks else None
        new = prev is None or row.starts_block
        if prev is not None and not new:
            if None not in (row.own_signal, prev.own_signal) and row.own_signal != prev.own_signal:
                new = True
            elif row.packed and prev.packed and row.packed.participant != prev.packed.participant:
                new = True
            elif row.ppt_sender and prev.ppt_sender and row.ppt_sender != prev.ppt_sender:
                new = True
        if new:
            blocks.append([row])
        else:
            blocks[-1].append(row)
    return blocks


def _assign_directions(items: list[_Item], ctx: ParseContext) -> None:
    rows = [it for it in items if isinstance(it, _Row)]
    for row in rows:
        row.outgoing = row.own_signal
    # Names seen on rows of known direction: own stamped name vs the others'.
    out_names = {r.ppt_sender for r in rows if r.outgoing is True and r.ppt_sender}
    in_names = {r.ppt_sender for r in rows if r.outgoing is False and r.ppt_sender}
    if not ctx.is_group and ctx.chat_title:
        in_names.add(strip_bidi(ctx.chat_title) or "")
    for row in rows:
        if row.outgoing is None and row.ppt_sender:
            if row.ppt_sender in out_names and row.ppt_sender not in in_names:
                row.outgoing = True
            elif row.ppt_sender in in_names and row.ppt_sender not in out_names:
                row.outgoing = False
    for segment in _segments(items):
        for block in _blocks(segment):
            known = next((r.outgoing for r in block if r.outgoing is not None), None)
            for row in block:
                if row.outgoing is None:
                    row.outgoing = known


def _own_senders(rows: list[_Row]) -> dict[int, tuple[str | None, str | None]]:
    """(sender as shown, owner's profile name) per outgoing row: the row's own stamp, else the
    stamp of another own row (the owner has one profile name), else its "You" label."""
    owner = next((r.ppt_sender for r in rows if r.outgoing is True and r.ppt_sender), None)
    result: dict[int, tuple[str | None, str | None]] = {}
    for row in rows:
        if row.outgoing is not True:
            continue
        name = row.ppt_sender or owner
        label = _clean(row.raw.get("prefix") or "")
        you = label[:-1].strip() if label.casefold() in YOU_LABELS else None
        result[row.index] = (name or you or None, name)
    return result


def _assign_senders(items: list[_Item], ctx: ParseContext) -> dict[int, tuple[str | None, str | None]]:
    """(sender, display name) per row index: incoming rows, then the owner's rows."""
    rows = [it for it in items if isinstance(it, _Row)]
    result = _own_senders(rows)
    if not ctx.is_group:
        title = strip_bidi(ctx.chat_title) or None
        learned = next((r.ppt_sender for r in rows if r.outgoing is False and r.ppt_sender), None)
        for row in rows:
            if row.outgoing is False:
                result[row.index] = (row.ppt_sender or title or learned, None)
        return result
    # p4 packed ids name the participant: learn its displayed sender from its other rows.
    by_participant: dict[str, tuple[str | None, str | None]] = {}
    for r in rows:
        if r.packed and r.packed.participant and (r.ppt_sender or r.author):
            by_participant.setdefault(r.packed.participant, (r.ppt_sender or r.author, r.author_name))
    for segment in _segments(items):
        for block in _blocks(segment):
            own = [(r.ppt_sender or r.author, r.author_name) for r in block]
            known = next((s for s in own if s[0]), (None, None))
            name = next((s[1] for s in own if s[1]), None)
            for row, (sender, display) in zip(block, own, strict=True):
                if row.outgoing is not False:
                    continue
                if sender is None and known[0] is None and row.packed and row.packed.participant:
                    participant = row.packed.participant
                    sender, display = by_participant.get(participant, (participant, None))
                result[row.index] = (sender or known[0], display or name)
    return result


def _build(
    row: _Row,
    ctx: ParseContext,
    era: str,
    sender: tuple[str | None, str | None] | None,
    warnings: collections.Counter[str],
) -> Message | None:
    raw = row.raw
    ts: dt.datetime | None = None
    stamp = row.stamp
    if stamp is not None:
        ts = stamp.ts
        if stamp.warning:
            warnings[stamp.warning] += 1
    if ts is None:
        ts = _unstamped_time(row, ctx, warnings)
        if ts is None and not ctx.keep_undated:
            return None
    if row.outgoing is None:
        warnings["direction_unknown"] += 1
        return None
    deleted = bool(raw.get("del"))
    media_kind = raw.get("media") or ""
    text = None if deleted else _body(raw.get("text")) or _body(raw.get("caption"))
    if deleted:
        kind = "deleted"
    elif media_kind in MEDIA_KINDS or media_kind in _MARKED_KINDS:
        kind = media_kind
    elif text:
        kind = "text"
    else:
        kind = "unknown"
    media = None
    if kind == "document":
        media = document_ref(raw.get("doc_name") or "", raw.get("doc_title") or "", raw.get("doc_info") or ())
        if text and media.filename and _is_file_name(text, media.filename):
            text = None  # the bubble repeats the file name: no caption
    elif kind in MEDIA_KINDS:
        duration = (raw.get("duration") or "").rpartition("/")[2].strip() or None
        media = MediaRef(
            kind=kind,
            blob_url=(raw.get("blob") or None) if kind in ("image", "sticker") else None,
            duration=duration if kind in ("voice", "video") else None,
        )
    quoted_sender = None
    if raw.get("quoted"):
        quoted_sender = author_sender(raw.get("q_author_label") or "", raw.get("q_author_texts") or ())[0]
    meta = (raw.get("meta") or "").casefold()
    who, display = sender or (None, None)
    # The owner's profile name stays beside the sender even when equal (mapping stores self_id).
    name = display if row.outgoing or (display and display != who) else None
    return Message(
        external_id=row.ext_id,
        chat_id=ctx.chat_id,
        ts=ts,
        is_outgoing=bool(row.outgoing),
        sender=who,
        text=text,
        kind=kind,
        raw_data_id=raw.get("id") or raw.get("tid") or "",
        era=era,
        sender_name=name,
        quoted_text=_body(raw.get("q_text")) if raw.get("quoted") else None,
        quoted_sender=quoted_sender,
        forwarded=bool(raw.get("fwd")),
        edited=bool(raw.get("edited")) or any(w in meta for w in EDITED_WORDS),
        deleted=deleted,
        reactions=parse_reactions(raw.get("reactions") or ()),
        media=media,
    )


def _unstamped_time(row: _Row, ctx: ParseContext, warnings: collections.Counter[str]) -> dt.datetime | None:
    """A row without a usable stamp: its stamp's day or its anchored day, with the stamp's
    time or the msg-meta time; None (with the warning counted) when either is unknown."""
    stamp = row.stamp
    if stamp is not None and stamp.warning == "nonexistent_local_time":
        return None
    day = stamp.day if stamp is not None and stamp.day else row.day
    hm = (stamp.hm if stamp is not None else None) or row.time
    if hm is None:
        warnings["no_time"] += 1
        return None
    if day is None:
        warnings["no_date"] += 1
        return None
    ts, warning = to_utc(day, *hm, ctx.timezone)
    if ts is None or warning:
        warnings[warning or "no_time"] += 1
    return ts


def document_ref(name: str, title: str, info: Iterable[str]) -> MediaRef:
    """A document bubble's file name, type, page count and size, as it shows them: the name
    from its span (else its box's 'Download "<name>"' title), the rest from the short texts
    beside it, the type falling back to the name's extension."""
    quoted = _DOC_TITLE.search(title or "")
    filename = clean_name(name) or (clean_name(quoted[1]) if quoted else None)
    file_type = pages = size = None
    for raw_text in info:
        text = _clean(raw_text)
        if not text or text == filename or text in ("•", "·"):
            continue
        if size is None and _DOC_SIZE.match(text):
            size = text
        elif pages is None and (m := _DOC_PAGES.match(text)):
            pages = int(m[1])
        elif file_type is None and _DOC_TYPE.match(text):
            file_type = text
    if file_type is None and filename and "." in filename.strip("."):
        ext = filename.rsplit(".", 1)[1]
        file_type = ext.upper() if 1 <= len(ext) <= 5 and ext.isalnum() else None
    return MediaRef(kind="document", filename=filename, file_type=file_type, pages=pages, size=size)


def _is_file_name(text: str, filename: str) -> bool:
    value = " ".join(text.split()).casefold()
    name = filename.casefold()
    return value in (name, name.rsplit(".", 1)[0])


def _body(value: str | None) -> str | None:
    """The text as sent, leading and trailing whitespace included (the page keeps it: message
    text is ``white-space: pre-wrap``); ``None`` when there is none (WhatsApp sends no
    whitespace-only message)."""
    if not value or value.isspace():
        return None
    return value


# --- across windows -------------------------------------------------------------------------


def merge_message(old: Message, new: Message) -> Message:
    """The same message seen twice: the later sighting wins where it is at least as rich
    (longer text, a media URL, a sender); flags accumulate."""
    text = new.text if len(new.text or "") >= len(old.text or "") else old.text
    media = new.media if new.media is not None else old.media
    if old.media and old.media.blob_url and not (media and media.blob_url):
        media = old.media
    return dataclasses.replace(
        new,
        text=text,
        media=media,
        sender=new.sender if new.sender is not None else old.sender,
        sender_name=new.sender_name or old.sender_name,
        quoted_text=new.quoted_text or old.quoted_text,
        quoted_sender=new.quoted_sender or old.quoted_sender,
        quoted_id=new.quoted_id or old.quoted_id,
        forwarded=old.forwarded or new.forwarded,
        edited=old.edited or new.edited,
        deleted=old.deleted or new.deleted,
        kind="deleted" if (old.deleted or new.deleted) else (new.kind if new.kind != "unknown" else old.kind),
        reactions=new.reactions or old.reactions,
    )


def merge_rows(existing: Mapping[str, Message], new: Iterable[Message]) -> dict[str, Message]:
    """Merge a window's messages into those already seen, by external id (order kept)."""
    merged = dict(existing)
    for message in new:
        old = merged.get(message.external_id)
        merged[message.external_id] = message if old is None else merge_message(old, message)
    return merged


def _norm_text(value: str | None) -> str:
    return " ".join((value or "").split()).rstrip("…").strip().strip('"“”').casefold()


def resolve_quoted_ids(messages: Sequence[Message]) -> list[Message]:
    """Fill ``quoted_id`` by matching each quote's text and sender against earlier messages of
    the same chat (the latest match wins); quotes with no match keep ``quoted_id=None``."""
    by_chat: dict[str, list[Message]] = collections.defaultdict(list)
    for m in messages:
        by_chat[m.chat_id].append(m)
    resolved: dict[tuple[str, str], str] = {}
    for chat_messages in by_chat.values():
        ordered = [m for m in chat_messages if m.ts is not None]
        ordered.sort(key=lambda m: m.ts)
        for m in ordered:
            if not m.quoted_text or m.quoted_id:
                continue
            quote = _norm_text(m.quoted_text)
            who = (m.quoted_sender or "").casefold()
            best = None
            for c in ordered:
                if c.ts > m.ts or c.external_id == m.external_id or not c.text:
                    continue
                body = _norm_text(c.text)
                if not (body == quote or (len(quote) >= 8 and body.startswith(quote))):
                    continue
                if who in YOU_NAMES and not c.is_outgoing:
                    continue
                if who and who not in YOU_NAMES and who not in {
                    (c.sender or "").casefold(), (c.sender_name or "").casefold()
                }:
                    continue
                best = c
            if best is not None:
                resolved[(m.chat_id, m.external_id)] = best.external_id
    return [
        dataclasses.replace(m, quoted_id=resolved[(m.chat_id, m.external_id)])
        if (m.chat_id, m.external_id) in resolved else m
        for m in messages
    ]
