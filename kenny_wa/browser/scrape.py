"""Walk the recent chats and stream one ChatBatch per chat (nothing holds the whole run).

    for batch in scrape(page, settings, cursors=cursors, now=now, progress=progress):
        save_chat_batch(conn, batch, ...)

Incremental: a chat is opened only when the list may show activity newer than its cursor (or
it has no cursor, or its cursor is not complete), when the revision sweep is due and it was
active within the window, or when it has images to retry (:func:`open_plan`); history is
loaded back to the start of the cursor's minute minus a small overlap, or to the sweep's or
the retries' floor. Between chats the session is re-checked, so an expiry or a
conflict mid-run raises (SessionExpired / Conflict) after the batches already yielded.

The main list is walked first, then (``WHATSAPP_INCLUDE_ARCHIVED``) the Archived view, with
the same rules, and the walk comes back to the main list. Whether a badged chat may be opened
is :func:`kenny_wa.unread.decide`'s call; a chat opened to be restored is noted in the
journal before the click and cleared once "Mark as unread" took.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from kenny_wa import dates, errors, logs, ordering, parse, unread
from kenny_wa.browser import auth, chatlist, extract, history, media_fetch, selectors
from kenny_wa.browser.ratelimit import RateLimiter
from kenny_wa.model import ChatBatch, ImageBytes, Message

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from kenny_wa.config import Settings

log = logs.get_logger(__name__)


@dataclasses.dataclass(slots=True)
class ScrapeProgress:
    """Counts the caller can read while iterating (content-free)."""

    chats_total: int = 0  # chats in the list active within the lookback
    chats_opened: int = 0  # chats actually opened this run
    chats_skipped: int = 0  # up to date per their cursor: not opened
    chats_failed: int = 0  # could not be opened and confirmed (yielded as partial, no messages)
    chats_swept: int = 0  # opened only for the revision sweep
    chats_retried: int = 0  # opened only to retry images that could not be stored
    windows: int = 0  # message windows read
    scrolls: int = 0  # history scroll actions
    scrolls_ahead: int = 0  # of which taken by the page right after a read (rate limit off)
    images_fetched: int = 0
    chats_archived: int = 0  # of chats_total, found in the Archived view
    deferred: list[str] = dataclasses.field(default_factory=list)  # badged chats left unopened
    deferred_titles: dict[str, str] = dataclasses.field(default_factory=dict)  # their list titles
    restored: int = 0  # chats marked unread again after reading
    restore_failed: int = 0  # chats read whose "Mark as unread" did not take (retried next run)
    listed_all: bool = False  # every view was walked to its end (deferrals can be settled)
    # settled partial chats not reopened this run: (chat_id, reason), still reported partial
    still_partial: list[tuple[str, str]] = dataclasses.field(default_factory=list)


# Partial reasons that another read without new activity cannot change: WhatsApp Web has
# nothing older until the phone sends it. Such a chat is not reopened just for being partial.
SETTLED_PARTIAL_REASONS = frozenset({"phone_prompt"})
# Batches of chats that were not read: nothing to restore now (a pending restore is retried)
NOT_READ_REASONS = frozenset({"open_failed", "page_reloaded"})


def is_settled(cursor: Any) -> bool:
    """Pure: was the chat read as far as the page allows (complete, or stopped at the phone prompt)?"""
    return bool(getattr(cursor, "complete", False)) or (
        getattr(cursor, "partial_reason", None) in SETTLED_PARTIAL_REASONS
    )


def known_partial(cursor: Any | None) -> str | None:
    """Pure: the reason a settled chat is still partial (``None`` when it is complete)."""
    if cursor is None or getattr(cursor, "complete", False):
        return None
    reason = getattr(cursor, "partial_reason", None)
    return reason if reason in SETTLED_PARTIAL_REASONS else None


# A chat's newest minute counts as read only when its read began this long after that minute
# (or day, for a day label) ended: WhatsApp's clock and this machine's may disagree a little.
MINUTE_GRACE = dt.timedelta(minutes=1)


def needs_open(row: chatlist.ChatRow, cursor: Any | None) -> bool:
    """Pure: may the list show activity the cursor does not hold yet?

    ``cursor`` is the data layer's Cursor (newest_ts, …, complete, partial_reason, read_at) or
    None. The list shows a time (today) to the minute and older chats by day only, so a label
    equal to the cursor's own minute (or day) is "maybe newer": another message may have come
    in that minute after the chat was read. Such a chat is opened again unless its last read
    began after that minute (or day) was over (plus :data:`MINUTE_GRACE`): a quiet chat is
    opened at most once more after its last message, not on every run.
    """
    if cursor is None or not is_settled(cursor):
        return True
    newest = getattr(cursor, "newest_ts", None)
    if newest is None or row.list_time is None:
        return True
    read_at = getattr(cursor, "read_at", None)
    if row.list_time.precise is not None:
        minute = newest.replace(second=0, microsecond=0)
        # a label in a repeated (daylight-saving) hour may mean its later occurrence
        listed = ordering.latest_reading(row.list_time.precise, row.list_time.tz)
        if minute not in (row.list_time.precise, listed):
            return listed > minute
        if listed > minute:
            return True
        return not _read_after(read_at, minute + dt.timedelta(minutes=1))
    day = row.list_time.local_day_of(newest)
    if row.list_time.day != day:
        return row.list_time.day > day
    return not _read_after(read_at, _day_end(day, row.list_time.tz))


def _read_after(read_at: dt.datetime | None, end: dt.datetime) -> bool:
    return read_at is not None and read_at >= end + MINUTE_GRACE


def _day_end(day: dt.date, tz: str) -> dt.datetime:
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zoneinfo.ZoneInfo(tz))
    return following.astimezone(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class OpenPlan:
    """Why a chat is opened this run and how far back its history is read again."""

    reason: str  # "new" | "unsettled" | "maybe_newer" | "sweep" | "retry"
    reread_since: dt.datetime | None = None  # read back at least to here (sweep, retries)
    retry_since: dt.datetime | None = None  # of which for images to retry


@dataclasses.dataclass(frozen=True, slots=True)
class Rereads:
    """What this run reads again besides new activity (see :func:`open_plan`)."""

    sweep_since: dt.datetime | None = None  # the revision sweep is due: reread from here
    # chat → its oldest image that failed to be stored
    retry_since: Mapping[str, dt.datetime] = dataclasses.field(default_factory=dict)


def open_plan(row: chatlist.ChatRow, cursor: Any | None, rereads: Rereads) -> OpenPlan | None:
    """Pure: whether one listed chat needs opening this run, and why (None: it does not); the
    one place that decides it (whether a badged chat *may* be opened is kenny_wa.unread's). The reason
    is the first that holds of new, unsettled, maybe_newer, retry, sweep; the floor reaches
    back as far as any of them asks."""
    retry = rereads.retry_since.get(row.chat.chat_id)
    sweep = rereads.sweep_since
    swept = sweep is not None and cursor is not None and _active_since(row, cursor, sweep)
    since = [t for t in (retry, sweep if swept else None) if t is not None]
    if cursor is None:
        reason = "new"
    elif not is_settled(cursor):
        reason = "unsettled"
    elif needs_open(row, cursor):
        reason = "maybe_newer"
    elif retry is not None:
        reason = "retry"
    elif swept:
        reason = "sweep"
    else:
        return None
    return OpenPlan(reason, min(since) if since else None, retry)


def _active_since(row: chatlist.ChatRow, cursor: Any, since: dt.datetime) -> bool:
    # The cursor's newest time is exact, and when the list showed anything later needs_open has
    # already opened the chat; the list's time ("Yesterday": any time that day) decides only
    # without one.
    newest = getattr(cursor, "newest_ts", None)
    if newest is not None:
        return newest >= since
    listed = row.list_time.latest if row.list_time is not None else None
    return listed is None or listed >= since


class ReadStateJournal(Protocol):
    """Where the scrape notes, before acting, what it opened to restore (the database)."""

    def opening(self, chat_id: str) -> None:
        """About to open ``chat_id`` under restore: must be durable before the click."""

    def restored(self, chat_id: str) -> None:
        """``chat_id`` shows unread again (marked, or its own badge came back)."""


class _NoJournal:
    def opening(self, chat_id: str) -> None:
        pass

    def restored(self, chat_id: str) -> None:
        pass


def scrape(
    page: Page,
    settings: Settings,
    *,
    cursors: Mapping[str, Any],
    now: dt.datetime,
    progress: ScrapeProgress | None = None,
    remembered: Mapping[str, unread.Remembered] | None = None,
    journal: ReadStateJournal | None = None,
    rereads: Rereads | None = None,
) -> Iterator[ChatBatch]:
    """Yield one ChatBatch per chat that needs reading (:func:`open_plan`) and may be opened
    (:func:`kenny_wa.unread.decide`), in chat-list order (main, archived).

    Call after ``auth.wait_for_ready``. ``remembered`` is the read state the database holds
    per chat (deferrals, pending restores). Raises SessionExpired / Conflict (session lost
    between chats), UiDrift, BrowserCrashed; a chat that cannot be opened is yielded as a
    partial batch (reason "open_failed") with no messages.
    """
    progress = progress if progress is not None else ScrapeProgress()
    walk = _Walk(page, settings, cursors, now, progress, remembered or {}, journal or _NoJournal(),
                 rereads or Rereads())
    rows = walk.list_view(archived=False)
    log.info("chats_listed", chats=len(rows))
    yield from walk.chats(rows, first=True)
    if settings.include_archived:
        if _guarded(page, settings, lambda: chatlist.enter_archived(page, limiter=walk.limiter)):
            archived = walk.list_view(archived=True)
            progress.chats_archived = len(archived)
            log.info("archived_chats_listed", chats=len(archived))
            yield from walk.chats(archived, first=not rows)
            _guarded(page, settings, lambda: chatlist.leave_archived(page))
    progress.listed_all = True


def _guarded(page: Page, settings: Settings, action: Any) -> Any:
    try:
        return action()
    except errors.PageReloaded:
        auth.check_still_logged_in(page, settings)  # a lost session explains it better
        raise


@dataclasses.dataclass(slots=True)
class _Walk:
    """One run's walk over the listed chats of a view (main or archived)."""

    page: Page
    settings: Settings
    cursors: Mapping[str, Any]
    now: dt.datetime
    progress: ScrapeProgress
    remembered: Mapping[str, unread.Remembered]
    journal: ReadStateJournal
    rereads: Rereads
    cutoff: dt.datetime = dataclasses.field(init=False)
    limiter: RateLimiter = dataclasses.field(init=False)
    page_dates: dates.PageDates = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.cutoff = self.now - dt.timedelta(days=self.settings.lookback_days)
        self.limiter = RateLimiter(self.settings.scroll_min_interval_ms)
        # the page's date order, learned from the lists and every chat of the session
        self.page_dates = dates.PageDates()

    def list_view(self, *, archived: bool) -> list[chatlist.ChatRow]:
        rows = _guarded(self.page, self.settings, lambda: chatlist.list_chat_rows(
            self.page, self.settings, now=self.now, cutoff=self.cutoff, limiter=self.limiter,
            archived=archived, page_dates=self.page_dates))
        self.progress.chats_total += len(rows)
        return rows

    def chats(self, rows: list[chatlist.ChatRow], *, first: bool) -> Iterator[ChatBatch]:
        for index, row in enumerate(rows):
            batch = self.chat(row, checked=first and index == 0, index=index)
            if batch is not None:
                yield batch

    def chat(self, row: chatlist.ChatRow, *, checked: bool, index: int) -> ChatBatch | None:
        """Read one listed chat if it needs it and may be opened; its batch, else None."""
        page, settings, progress = self.page, self.settings, self.progress
        chat_id = row.chat.chat_id
        cursor = self.cursors.get(chat_id)
        remembered = self.remembered.get(chat_id)
        if row.badged and remembered is not None and remembered.restore_pending_since is not None:
            self.journal.restored(chat_id)  # its own badge is back: the phone shows it unread
            remembered = dataclasses.replace(remembered, restore_pending_since=None)
        plan = open_plan(row, cursor, self.rereads)
        if plan is None:
            progress.chats_skipped += 1
            reason = known_partial(cursor)
            if reason is not None:
                progress.still_partial.append((chat_id, reason))
            if unread.restore_without_opening(badged=row.badged, settings=settings, remembered=remembered):
                self._restore(row)
            return None
        decision = unread.decide(badged=row.badged, settings=settings, remembered=remembered, now=self.now)
        if decision == unread.DEFER:
            progress.deferred.append(chat_id)
            progress.deferred_titles[chat_id] = row.chat.title
            log.info("chat_deferred_unread", chat_index=index)
            return None
        if not checked:
            auth.check_still_logged_in(page, settings)
        if decision == unread.RESTORE:
            self.journal.opening(chat_id)
        batch = self._open_and_read(row, cursor, plan, index)
        if decision == unread.RESTORE and batch.partial_reason not in NOT_READ_REASONS:
            self._restore(row)
        return batch

    def _restore(self, row: chatlist.ChatRow) -> None:
        if chatlist.mark_unread(self.page, row, limiter=self.limiter):
            self.progress.restored += 1
            self.journal.restored(row.chat.chat_id)
        else:
            self.progress.restore_failed += 1  # still noted as pending: the next run retries
            log.warning("chat_unread_not_restored")

    def _open_and_read(self, row: chatlist.ChatRow, cursor: Any | None, plan: OpenPlan,
                       index: int) -> ChatBatch:
        page, settings, progress = self.page, self.settings, self.progress
        try:
            chat = chatlist.open_chat(page, row, limiter=self.limiter)
        except chatlist.ChatNotOpened:
            auth.check_still_logged_in(page, settings)  # a lost session explains it better
            progress.chats_failed += 1
            log.warning("chat_not_opened", chat_index=index)
            return ChatBatch(chat=row.chat, messages=[], complete=False, partial_reason="open_failed")
        except errors.PageReloaded:
            auth.check_still_logged_in(page, settings)
            return _reloaded(row.chat, index, progress)
        progress.chats_opened += 1
        progress.chats_swept += plan.reason == "sweep"
        progress.chats_retried += plan.reason == "retry"
        cursor_ts = cursor.newest_ts if cursor is not None and is_settled(cursor) else None
        try:
            batch = read_chat(page, settings, chat, now=self.now, cutoff=self.cutoff, cursor_ts=cursor_ts,
                              limiter=self.limiter, progress=progress,
                              page_dates=self.page_dates, reread_since=plan.reread_since)
        except errors.PageReloaded:
            # WhatsApp Web reloads itself when the session is revoked: say so, not "crashed"
            auth.check_still_logged_in(page, settings)
            return _reloaded(chat, index, progress)
        batch.retry_since = plan.retry_since
        earlier_gap = known_partial(cursor)
        if earlier_gap is not None and batch.complete:
            # reading down to the cursor does not fill the gap below the phone prompt
            batch.complete, batch.partial_reason = False, earlier_gap
        if not batch.complete:
            auth.check_still_logged_in(page, settings)  # a stall may just be a lost session
        return batch


def _reloaded(chat: Any, index: int, progress: ScrapeProgress) -> ChatBatch:
    """The page reloaded mid-chat but is still logged in: nothing read is kept for this chat."""
    progress.chats_failed += 1
    log.warning("page_reloaded", chat_index=index)
    return ChatBatch(chat=chat, messages=[], complete=False, partial_reason="page_reloaded")


def parse_context(
    chat: Any, settings: Settings, *, now: dt.datetime, page_dates: dates.PageDates | None = None
) -> parse.ParseContext:
    """How the open chat's rows are read: its identity, the page's timezone, and the date order
    learned so far in this page session (the locale setting never decides it)."""
    return parse.ParseContext(
        chat_id=chat.chat_id,
        chat_title=chat.title,
        is_group=chat.is_group,
        now=now,
        locale=settings.browser_locale,
        timezone=settings.browser_timezone,
        chat_dates=dates.ChatDates(page=page_dates or dates.PageDates()),
    )


def read_chat(
    page: Page,
    settings: Settings,
    chat: Any,
    *,
    now: dt.datetime,
    cutoff: dt.datetime,
    cursor_ts: dt.datetime | None,
    limiter: RateLimiter,
    progress: ScrapeProgress,
    page_dates: dates.PageDates | None = None,
    reread_since: dt.datetime | None = None,
) -> ChatBatch:
    """Load the open chat's history back to the floor and fetch its images; the messages
    come in the page's order (kenny_wa.ordering).

    A chat whose dates leave the page's date order open (or fit no order) is yielded partial
    ``ambiguous_dates`` with no messages: a wrong date is worse than a missing message."""
    profile = selectors.profile(settings.selector_profile)
    ctx = parse_context(chat, settings, now=now, page_dates=page_dates)
    nav = auth.js_arg()["nav"]
    reader = extract.WindowReader(ctx, settings.selector_profile)
    adapter = history.PlaywrightHistoryAdapter(
        page,
        reader=reader,
        limiter=limiter,
        nav=nav,
        start_selectors=list(profile.roles.get("history_start", ())),
        start_texts=[t.lower() for t in selectors.TEXTS.get("history_start", ())],
        loading_selectors=list(profile.roles.get("loading", ())),
        stall_attempts=settings.history_stall_attempts,
        read_ahead=limiter.off,
        ahead_on_first_read=cursor_ts is None,
    )
    result = history.load_history(
        adapter, cutoff=cutoff, cursor_ts=cursor_ts, reread_since=reread_since,
        merge=parse.merge_message, timezone=settings.browser_timezone, now=now,
    )
    progress.windows += result.windows
    progress.scrolls += result.scrolls
    progress.scrolls_ahead += adapter.scrolls_ahead
    late, dates_reason = reader.settle()
    if dates_reason is not None:
        log.warning("chat_dates_ambiguous", windows=result.windows)
        return ChatBatch(chat=chat, messages=[], complete=False, partial_reason=dates_reason)
    if late:
        floor = history.history_floor(cutoff, cursor_ts, reread_since)
        result.messages = settled_messages(result.messages, late, floor, result.page_order,
                                           timezone=settings.browser_timezone, now=now)
    images = media_fetch.fetch_images(
        page,
        result.messages,
        settings,
        blob_img_selectors=list(profile.roles.get("blob_img", ())),
        final_selectors=list(profile.roles.get("media_download", ())),
        box_selectors=list(profile.roles.get("image", ())),
    )
    progress.images_fetched += sum(isinstance(v, ImageBytes) for v in images.values())
    log.info(
        "chat_read",
        messages=len(result.messages),
        windows=result.windows,
        stop=result.stop,
        images=len(images),
    )
    return ChatBatch(
        chat=chat,
        messages=result.messages,
        images=images,
        complete=result.complete,
        partial_reason=result.partial_reason,
        page_order=result.page_order,
        read_at=now,
    )


def settled_messages(
    read: list[Message], late: list[Message], floor: dt.datetime, page_order: list[str], *,
    timezone: str, now: dt.datetime,
) -> list[Message]:
    """Pure: the chat's messages with those of windows read again once the date order was
    known, in the page's order (kenny_wa.ordering), at or after the floor."""
    merged = {m.external_id: m for m in read}
    history.merge_messages(merged, late, merge=parse.merge_message)
    arranged = ordering.arrange(merged, page_order, timezone=timezone, now=now)
    return [m for m in arranged if m.ts >= floor]
