"""The chat list: collect recent chats by identity, and open one safely.

The list is virtualised and re-orders, and its rows are recycled, so chats are collected by
identity (the React fiber's chat id, else a ``title:`` fallback), never by row index. One
evaluate per visible window (``page_js/read_chatlist.js``). Previews are never read. The
Archived view (the "Archived" entry above the list) is walked the same way.

Opening clicks the row found again by identity in the current DOM, then checks the header
(title and fiber id) before anything is read: a mis-click must never file messages under
the wrong chat.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from kenny_wa import dates, errors, logs, words
from kenny_wa.browser import boundary, listtime, pagejs
from kenny_wa.browser.auth import js_arg
from kenny_wa.model import Chat

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from kenny_wa.browser.ratelimit import RateLimiter
    from kenny_wa.config import Settings

log = logs.get_logger(__name__)

LIST_SETTLE_TIMEOUT_MS = 3_000  # one chat-list scroll: wait this long for the rows to change
OPEN_TIMEOUT_MS = 15_000  # the header of a clicked chat must show within this
SUBTITLE_TIMEOUT_MS = 3_000  # group participants replace "click here for group info"
OPEN_ATTEMPTS = 3
MAX_LIST_WINDOWS = 500
VIEW_TIMEOUT_MS = 10_000  # the Archived view (or the main list again) must show within this
MENU_TIMEOUT_MS = 3_000  # the chat menu opens / the row shows the "marked unread" marker
SCROLL_FRACTION = 0.8
SELF_LABELS = words.YOU_WORDS
GROUP_SUFFIX = "@g.us"


class ChatNotOpened(errors.KennyWaError, status="chat_not_opened"):
    """A chat from the list could not be opened and confirmed."""


@dataclasses.dataclass(frozen=True, slots=True)
class ChatRow:
    """A chat as found in the list, with what the decision to open it needs."""

    chat: Chat
    list_time: listtime.ListTime | None
    raw_id: str | None  # the fiber id as the page spells it (for in-page matching)
    pinned: bool = False
    unread: int = 0  # the badge's count
    marked_unread: bool = False  # the badge without a count ("Mark as unread")
    time_label: str | None = None  # as shown, read again once the page's date order is known

    @property
    def badged(self) -> bool:
        """Does the row tell the person there is something unread?"""
        return self.unread > 0 or self.marked_unread


def strip_bidi(text: str | None) -> str:
    return words.clean(text or "")


def chat_key(raw_id: str | None, title: str) -> tuple[str, str]:
    """(chat_id, id_source) for a row: the normalised fiber id, else ``title:<title>``."""
    if raw_id:
        return _normalise(raw_id), "fiber"
    return f"title:{title}", "title"


def rows_from_window(
    window: dict[str, Any], *, now: dt.datetime, settings: Settings, archived: bool = False,
    page_dates: dates.PageDates | None = None,
) -> list[tuple[ChatRow, bool]]:
    """Pure: the chat rows of one window, each with whether it is pinned; ``archived`` when
    the window is of the Archived view.

    The window's unpinned time labels, newest first, are evidence of the page's date order
    (``page_dates``, shared with the chats of the session); a numeric date the order leaves
    open gives no list time (the chat is then opened, never skipped)."""
    raws = [r for r in window.get("rows", [])
            if r.get("kind") == "chat" and not r.get("archived") and strip_bidi(r.get("title"))]
    today = dates.today_in(now, settings.browser_timezone)
    evidence = dates.ChatDates(page=page_dates or dates.PageDates())
    unpinned = (r.get("time") for r in raws if not r.get("pinned"))
    evidence.observe(listtime.list_sightings(unpinned, today), today, newest_first=True)
    out = []
    for raw in raws:
        title = strip_bidi(raw.get("title"))
        chat_id, source = chat_key(raw.get("id"), title)
        when = listtime.parse_list_time(
            raw.get("time"), now=now, tz=settings.browser_timezone, order=evidence.order
        )
        chat = Chat(
            chat_id=chat_id,
            title=title,
            is_group=chat_id.endswith(GROUP_SUFFIX) or bool(raw.get("group")),
            last_activity=when.value if when else None,
            id_source=source,
            archived=archived,
        )
        row = ChatRow(chat, when, raw.get("id"), bool(raw.get("pinned")), int(raw.get("unread") or 0),
                      bool(raw.get("marked")), raw.get("time") or None)
        out.append((row, bool(raw.get("pinned"))))
    return out


def collect(windows_rows: list[ChatRow], seen: dict[str, ChatRow], cutoff: dt.datetime) -> bool:
    """Pure: add rows by identity; return True once an unpinned chat is older than the cutoff."""
    for row in windows_rows:
        if row.chat.chat_id in seen:
            continue
        older = row.list_time is not None and row.list_time.latest < cutoff
        if older:
            if row.pinned:
                continue  # pinned chats sit on top whatever their age
            return True
        seen[row.chat.chat_id] = row
    return False


def read_window(page: Page) -> dict[str, Any]:
    return _evaluate(page, "read_chatlist", js_arg())


def list_chat_rows(
    page: Page,
    settings: Settings,
    *,
    now: dt.datetime,
    cutoff: dt.datetime,
    limiter: RateLimiter,
    archived: bool = False,
    page_dates: dates.PageDates | None = None,
) -> list[ChatRow]:
    """Scroll the whole recent part of the list showing now (the main list, or the Archived
    view with ``archived``); return chats active since the cutoff, in order."""
    page_dates = page_dates if page_dates is not None else dates.PageDates()
    where = read_window(page)
    moved = _scroll(page, limiter, to="top")
    if moved is not None and moved["after"] != moved["before"]:
        _wait_rows_changed(page, where)  # else the first read sees the old rows
    seen: dict[str, ChatRow] = {}
    for _ in range(MAX_LIST_WINDOWS):
        window = read_window(page)
        found = rows_from_window(window, now=now, settings=settings, archived=archived,
                                 page_dates=page_dates)
        rows = [row for row, _pinned in found]
        if collect(rows, seen, cutoff):
            break
        moved = _scroll(page, limiter, by=SCROLL_FRACTION)
        if moved is None or moved["after"] == moved["before"]:
            # at the end: read once more, the last scroll's rows may have rendered only now
            last = rows_from_window(read_window(page), now=now, settings=settings, archived=archived,
                                    page_dates=page_dates)
            collect([row for row, _pinned in last], seen, cutoff)
            break
        _wait_rows_changed(page, window)
    log.info("chat_list_read", chats=len(seen), archived=archived)
    return [with_list_time(row, now=now, settings=settings, order=page_dates.order) for row in seen.values()]


def with_list_time(row: ChatRow, *, now: dt.datetime, settings: Settings, order: str | None) -> ChatRow:
    """Pure: a row whose label waited for the page's date order, read in it once known."""
    if row.list_time is not None or not row.time_label or order is None:
        return row
    when = listtime.parse_list_time(row.time_label, now=now, tz=settings.browser_timezone, order=order)
    if when is None:
        return row
    chat = dataclasses.replace(row.chat, last_activity=when.value)
    return dataclasses.replace(row, chat=chat, list_time=when)


def enter_archived(page: Page, *, limiter: RateLimiter) -> bool:
    """Open the Archived view from the top of the main list; False when there is no entry
    (WhatsApp shows none without archived chats). Raises UiDrift when the view never shows."""
    where = read_window(page)
    moved = _scroll(page, limiter, to="top")
    if moved is not None and moved["after"] != moved["before"]:
        _wait_rows_changed(page, where)
    point = _find_control(page, "archived_entry")
    if point is None:
        log.info("archived_entry_absent")
        return False
    boundary.click(page, point)
    if not _wait_view(page, "archived"):
        raise errors.UiDrift("the Archived view did not open")
    return True


def leave_archived(page: Page) -> bool:
    """Back from the Archived view to the main list; False (logged) when it did not come back.

    Not UI drift: everything was read by then, and the next run starts from a fresh page.
    """
    point = _find_control(page, "archived_back")
    if point is not None:
        boundary.click(page, point)
    if point is None or not _wait_view(page, "main"):
        log.warning("archived_view_not_left")
        return False
    return True


def mark_unread(page: Page, row: ChatRow, *, limiter: RateLimiter) -> bool:
    """Choose "Mark as unread" in the row's own menu (right click); True once the row shows
    the marker. The only UI action kenny-wa performs besides opening chats and scrolling."""
    if _find_row(page, row, limiter) is None:
        return False
    # The badge goes a moment after the chat opens (the page learns it was read): until then the
    # menu offers "Mark as read" instead.
    if not _wait_row(page, row, _ROW_READ):
        log.warning("mark_unread_row_still_badged")
        return False
    point = _find_row(page, row, limiter)  # where it is now
    if point is None:
        return False
    boundary.click(page, point, button="right")
    item = _wait_control(page, "chat_menu_mark_unread")
    if item is None:  # e.g. "Mark as read" offered instead: a new message arrived meanwhile
        log.warning("mark_unread_not_offered")
        return False
    boundary.click(page, item)
    return _wait_row(page, row, _ROW_MARKED)


def header_matches(header: dict[str, Any] | None, row: ChatRow) -> bool:
    """Pure: does the open conversation's header belong to ``row``'s chat?"""
    if not header:
        return False
    header_id = header.get("id")
    if header_id and row.raw_id:
        return _normalise(header_id) == row.chat.chat_id
    return strip_bidi(header.get("title")) == row.chat.title


def participants_from_subtitle(subtitle: str | None) -> tuple[str, ...]:
    """Pure: group members as listed in the header subtitle, without the own-account label."""
    if not subtitle or "," not in subtitle:
        return ()
    names = (strip_bidi(part) for part in subtitle.split(","))
    return tuple(n for n in names if n and not words.is_you(n))


def open_chat(page: Page, row: ChatRow, *, limiter: RateLimiter) -> Chat:
    """Click the chat's row (found again by identity) and confirm the header; return the Chat.

    Raises ChatNotOpened when the row cannot be found or the header never matches.
    """
    if header_matches(read_header(page), row):
        return _with_header(page, row)
    for attempt in range(OPEN_ATTEMPTS):
        point = _find_row(page, row, limiter)
        if point is None:
            break
        boundary.click(page, point)
        if _wait_header(page, row) and header_matches(read_header(page), row):
            return _with_header(page, row)
        log.warning("chat_open_mismatch", attempt=attempt + 1)
    raise ChatNotOpened()


def read_header(page: Page) -> dict[str, Any] | None:
    """The open conversation's header as the page shows it ({title, subtitle, id}), or None
    when no conversation is open."""
    return _evaluate(page, "read_header", js_arg())


# --- page I/O helpers ------------------------------------------------------------------


def _with_header(page: Page, row: ChatRow) -> Chat:
    header = read_header(page) or {}
    chat = row.chat
    header_id = header.get("id")
    if header_id and chat.id_source == "title":
        chat = dataclasses.replace(chat, chat_id=_normalise(header_id), id_source="fiber")
    is_group = chat.is_group or chat.chat_id.endswith(GROUP_SUFFIX)
    participants: tuple[str, ...] = ()
    if is_group:
        participants = participants_from_subtitle(header.get("subtitle"))
        if not participants:
            participants = participants_from_subtitle(_wait_subtitle(page))
    return dataclasses.replace(chat, is_group=is_group, participants=participants)


def _find_row(page: Page, row: ChatRow, limiter: RateLimiter) -> dict[str, float] | None:
    """Scroll the list until the row with this identity is fully visible; its click point."""
    window = read_window(page)
    if _locate(window, row) is None:
        moved = _scroll(page, limiter, to="top")
        if moved is not None and moved["after"] != moved["before"]:
            # virtualised rows render after the scroll event: reading at once can find none
            _wait_rows_changed(page, window)
        window = read_window(page)
    for _ in range(MAX_LIST_WINDOWS):
        found = _locate(window, row)
        if found is not None and window["viewTop"] <= found["top"] and (
            found["top"] + found["h"] <= window["viewBottom"]
        ):
            return {"x": found["x"], "y": found["y"]}
        if found is not None:  # partly hidden: bring it into view
            offset = (found["top"] - window["viewTop"]) / max(window["clientHeight"], 1)
            moved = _scroll(page, limiter, by=offset)
        else:
            moved = _scroll(page, limiter, by=SCROLL_FRACTION)
        if moved is None or moved["after"] == moved["before"]:
            window = read_window(page)
            found = _locate(window, row)
            return {"x": found["x"], "y": found["y"]} if found else None
        _wait_rows_changed(page, window)
        window = read_window(page)
    return None


def _locate(window: dict[str, Any], row: ChatRow) -> dict[str, Any] | None:
    for raw in window.get("rows", []):
        if raw.get("kind") != "chat":
            continue
        if row.raw_id and raw.get("id"):
            if _normalise(raw["id"]) == row.chat.chat_id:
                return raw
        elif strip_bidi(raw.get("title")) == row.chat.title:
            return raw
    return None


# Bidi marks removed and trimmed, as strip_bidi does for the titles Python compares.
_JS_STRIP = "((t) => (t || '').replace(/[\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/g, '').trim())"


def _wait_header(page: Page, row: ChatRow) -> bool:
    test = f"!!read && ((arg.id && read.id === arg.id) || {_JS_STRIP}(read.title) === arg.title)"
    arg = {"js": js_arg(), "id": row.raw_id, "title": row.chat.title}
    return _wait(page, "read_header", test, arg, OPEN_TIMEOUT_MS)


def _find_control(page: Page, role: str) -> dict[str, float] | None:
    return _evaluate(page, "find_control", {**js_arg(), "role": role})


def _wait_control(page: Page, role: str) -> dict[str, float] | None:
    predicate = "(arg) => (" + pagejs.expr("find_control") + ")(arg) || false"
    return boundary.wait_or_none(page, predicate, {**js_arg(), "role": role}, timeout_ms=MENU_TIMEOUT_MS)


def _wait_view(page: Page, view: str) -> bool:
    """Wait until ``view`` ("archived" / "main") shows and its rows are rendered."""
    test = "read.view === arg.view && (read.covered || read.rows.length === 0)"
    return _wait(page, "read_chatlist", test, {"js": js_arg(), "view": view}, VIEW_TIMEOUT_MS)


_ROW_MARKED = "r.marked"  # the "marked unread" marker shows
_ROW_READ = "!r.marked && !r.unread"  # no badge: the page knows the chat was read


def _wait_row(page: Page, row: ChatRow, state: str) -> bool:
    """Wait until ``row``'s chat shows in the list in ``state`` (a JS condition on its row ``r``)."""
    # the chat's row: by its fiber id when the list showed one, else by title
    is_chat = f"((arg.id && r.id === arg.id) || (!arg.id && {_JS_STRIP}(r.title) === arg.title))"
    test = f"read.rows.some((r) => r.kind === 'chat' && ({state}) && {is_chat})"
    arg = {"js": js_arg(), "id": row.raw_id, "title": row.chat.title}
    return _wait(page, "read_chatlist", test, arg, MENU_TIMEOUT_MS)


def _wait_subtitle(page: Page) -> str | None:
    test = "read && read.subtitle && read.subtitle.includes(',') ? read.subtitle : false"
    predicate = pagejs.predicate("read_header", test)
    return boundary.wait_or_none(page, predicate, {"js": js_arg()}, timeout_ms=SUBTITLE_TIMEOUT_MS)


def _wait_rows_changed(page: Page, before: dict[str, Any]) -> bool:
    """Wait until the rows changed since ``before`` and the ones in view are rendered."""
    signature = [(r.get("id"), r.get("title"), round(r.get("top", 0))) for r in before.get("rows", [])]
    test = (
        "JSON.stringify(read.rows.map((r) => [r.id, r.title, Math.round(r.top)])) !== arg.before"
        " && read.covered"
    )
    arg = {"js": js_arg(), "before": json.dumps(signature, ensure_ascii=False, separators=(",", ":"))}
    return _wait(page, "read_chatlist", test, arg, LIST_SETTLE_TIMEOUT_MS)


def _wait(page: Page, script: str, test: str, arg: dict[str, Any], timeout_ms: int) -> bool:
    """Wait until ``test`` holds of page_js/<script>.js's answer; False when it did not in time."""
    return boundary.waited(page, pagejs.predicate(script, test), arg, timeout_ms=timeout_ms)


def _scroll(
    page: Page, limiter: RateLimiter, *, to: str | None = None, by: float | None = None
) -> dict | None:
    limiter.wait()
    return _evaluate(page, "scroll_chatlist", {**js_arg(), "to": to, "by": by})


def _evaluate(page: Page, script: str, arg: dict[str, Any]) -> Any:
    return boundary.evaluate(page, pagejs.call(script), arg)


def _normalise(raw_id: str) -> str:
    from kenny_wa import parse

    return parse.normalise_jid(raw_id)
