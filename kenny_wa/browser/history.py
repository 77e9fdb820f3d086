"""Load a conversation's history back to a floor: pure control loop + Playwright adapter.

:func:`load_history` is pure: it drives a :class:`HistoryAdapter` (read the visible window,
scroll older) and decides when to stop. It is unit-tested with scripted windows.
:class:`PlaywrightHistoryAdapter` is the only part that touches the page: one round trip per
cycle scrolls the conversation towards the top, waits in the page for the rows to change, and
reads the window it settled on.

Stop rules, checked after every window:
- the oldest loaded message is older than the floor (the lookback cutoff, or on an
  incremental run the start of the cursor's minute minus :data:`CURSOR_OVERLAP`, or earlier
  when the revision sweep or an attachment retry asks to reread more) → complete;
- the history start (encryption notice) is visible → complete;
- the phone prompt ("get older messages from your phone") is visible and a scroll up changed
  nothing → partial "phone_prompt";
- ``stall_attempts`` scrolls in a row made no progress → partial "stalled";
- ``max_cycles`` windows were read → partial "cycle_cap".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from kenny_wa import logs, ordering, parse
from kenny_wa.browser import boundary, pagejs
from kenny_wa.model import Message

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from kenny_wa.browser.ratelimit import RateLimiter

log = logs.get_logger(__name__)

ScrollOutcome = Literal["moved", "stalled", "start"]
CURSOR_OVERLAP = dt.timedelta(minutes=2)  # message times are to the minute
DEFAULT_MAX_CYCLES = 2_000
# scrolls without new rows, with the phone prompt showing, before the chat counts as stopped there
PROMPT_SETTLE_SCROLLS = 2
# scrolls that move the view without revealing a new message before the chat counts as stalled
# (about 60 viewports: a 100 KB message is some 50 viewports tall)
MAX_IDLE_MOVES = 80
SCROLL_SETTLE_TIMEOUT_MS = 8_000  # one scroll: wait this long for the rows to change


class Window(Protocol):
    """What one read of the visible rows gives (the extractor's WindowResult fits)."""

    messages: list[Message]
    history_start: bool
    phone_prompt: bool


class HistoryAdapter(Protocol):
    max_cycles: int
    stall_attempts: int

    def read_window(self) -> Window: ...

    def scroll_older(self) -> ScrollOutcome: ...


@dataclasses.dataclass(slots=True)
class HistoryResult:
    messages: list[Message]  # ts >= floor, oldest first, in page order within a minute
    complete: bool
    partial_reason: str | None
    windows: int
    scrolls: int
    stop: str  # "floor" | "history_start" | "phone_prompt" | "stalled" | "cycle_cap"
    page_order: list[str] = dataclasses.field(default_factory=list)  # every id read, top to bottom


def minute_of(ts: dt.datetime) -> dt.datetime:
    """The start of ``ts``'s minute (message times are whole minutes on the page)."""
    return ts.replace(second=0, microsecond=0)


def history_floor(
    cutoff: dt.datetime, cursor_ts: dt.datetime | None, reread_since: dt.datetime | None = None
) -> dt.datetime:
    """The oldest time to load: the cutoff, or when later the start of the cursor's minute
    minus the overlap (the cursor's whole minute is read again: a message can still arrive in
    it), or ``reread_since`` (the revision sweep, attachment retries) when that is earlier."""
    if cursor_ts is None:
        return cutoff
    floor = minute_of(cursor_ts) - CURSOR_OVERLAP
    if reread_since is not None:
        floor = min(floor, minute_of(reread_since))
    return max(cutoff, floor)


def merge_messages(
    merged: dict[str, Message],
    messages: Iterable[Message],
    *,
    merge: Callable[[Message, Message], Message] | None = None,
) -> int:
    """Merge one window into ``merged`` by external id; return how many ids were new."""
    combine = merge or parse.merge_message
    new = 0
    for message in messages:
        old = merged.get(message.external_id)
        if old is None:
            merged[message.external_id] = message
            new += 1
        else:
            merged[message.external_id] = combine(old, message)
    return new


def load_history(
    adapter: HistoryAdapter,
    *,
    cutoff: dt.datetime,
    cursor_ts: dt.datetime | None = None,
    reread_since: dt.datetime | None = None,
    merge: Callable[[Message, Message], Message] | None = None,
    timezone: str = "UTC",
    now: dt.datetime | None = None,
) -> HistoryResult:
    """Scroll back until a stop rule holds; return the messages at or after the floor, in the
    page's order (see kenny_wa.ordering: positions within a minute, the repeated hour)."""
    floor = history_floor(cutoff, cursor_ts, reread_since)
    merged: dict[str, Message] = {}
    page = ordering.PageOrder()
    stalls = idle_moves = idle = windows = scrolls = 0
    at_start = False
    last_outcome: ScrollOutcome | None = None
    stop = "cycle_cap"
    while windows < adapter.max_cycles:
        window = adapter.read_window()
        windows += 1
        new_ids = merge_messages(merged, window.messages, merge=merge)
        page.add(getattr(window, "ids", None) or [m.external_id for m in window.messages])
        # the latest reading: a wall time of a repeated hour may still be its second occurrence
        if merged and ordering.latest_reading(min(m.ts for m in merged.values()), timezone) < floor:
            stop = "floor"
            break
        if window.history_start or at_start:
            stop = "history_start"
            break
        if windows > 1:
            # No new ids after a scroll that could not move (or timed out) is a stall. A scroll
            # that still moved the view is progress towards the top (a message taller than the
            # viewport takes many), bounded separately so a page that "moves" forever ends too.
            idle = 0 if new_ids else idle + 1
            if new_ids:
                stalls = idle_moves = 0
            elif last_outcome == "moved":
                idle_moves += 1
            else:
                stalls += 1
        if window.phone_prompt and (
            last_outcome == "stalled" or idle >= min(PROMPT_SETTLE_SCROLLS, adapter.stall_attempts)
        ):
            # the prompt shows and scrolling up brings nothing new: rows of the last chunk
            # (rendered lazily above the viewport) have all been read by now. Checked before
            # the stall rule: a scroll that still moves the view is no progress either.
            stop = "phone_prompt"
            break
        if stalls >= adapter.stall_attempts or idle_moves >= MAX_IDLE_MOVES:
            stop = "stalled"
            break
        last_outcome = adapter.scroll_older()
        at_start = last_outcome == "start"
        scrolls += 1
    arranged = ordering.arrange(merged, page.ids, timezone=timezone, now=now)
    kept = [m for m in arranged if m.ts >= floor]
    complete = stop in ("floor", "history_start")
    return HistoryResult(
        messages=kept,
        complete=complete,
        partial_reason=None if complete else stop,
        windows=windows,
        scrolls=scrolls,
        stop=stop,
        page_order=page.ids,
    )


# --- the Playwright adapter ------------------------------------------------------------


class WindowReader(Protocol):
    """Reads and parses one chat's windows (extract.WindowReader fits)."""

    def js_arg(self) -> dict: ...

    def parse(self, raw: Mapping[str, Any]) -> Window: ...


def oldest_read_row(raw: Mapping[str, Any]) -> str | None:
    """Pure: the data-id of the first (oldest) rendered message row of a raw window, if any.

    Shells and system rows do not count: only a row whose content was read may end up at the
    viewport's bottom after the next scroll (see page_js/scroll_history.js).
    """
    fields = raw.get("fields") or []
    if "row" not in fields or "id" not in fields:
        return None
    kind, ident = fields.index("row"), fields.index("id")
    for row in raw.get("rows") or []:
        if row[kind] == "msg" and row[ident]:
            return str(row[ident])
    return None


def scroll_outcome(page_outcome: object) -> ScrollOutcome:
    """Pure: the page's answer for one cycle as a ScrollOutcome (anything unknown stalls)."""
    return page_outcome if page_outcome in ("moved", "start") else "stalled"  # type: ignore[return-value]


class PlaywrightHistoryAdapter:
    """Scrolls the conversation and reads the window it settles on, in one round trip.

    :meth:`scroll_older` scrolls, waits in the page for the rows to settle, and reads the
    window in the same ``page.evaluate`` (page_js/scroll_read.js); the next
    :meth:`read_window` returns that window. Only the first window of a chat is a read of its own.

    With ``read_ahead`` (only when scrolls are not rate-limited: the scroll is not spaced by the
    limiter) each read is followed, in the same evaluate, by the next scroll, so the page loads
    the next chunk while Python parses and decides; :meth:`scroll_older` then only waits for it.
    When the caller stops instead, that one scroll was for nothing: a chunk the page loads
    in the background, never read. ``ahead_on_first_read`` extends it to the chat's first read
    (worth it on a first sync, not when a cursor makes one window likely to be enough).
    """

    def __init__(
        self,
        page: Page,
        *,
        reader: WindowReader,
        limiter: RateLimiter,
        nav: dict,
        start_selectors: list[str],
        start_texts: list[str],
        loading_selectors: list[str],
        stall_attempts: int,
        max_cycles: int = DEFAULT_MAX_CYCLES,
        settle_timeout_ms: int = SCROLL_SETTLE_TIMEOUT_MS,
        read_ahead: bool = False,
        ahead_on_first_read: bool = False,
    ) -> None:
        self.page = page
        self._reader = reader
        self._limiter = limiter
        self._nav = nav
        self._settle = {
            "nav": nav, "start": start_selectors, "startText": start_texts, "loading": loading_selectors,
        }
        self.stall_attempts = stall_attempts
        self.max_cycles = max_cycles
        self._settle_ms = settle_timeout_ms
        self._prompt = False
        self._anchor: str | None = None
        self._pending: Window | None = None  # read by the last scroll, not yet returned
        self._read_ahead = read_ahead
        self._ahead_first = read_ahead and ahead_on_first_read
        self._ahead: dict | None = None  # the page's answer to a scroll taken after the last read
        self.scrolls_ahead = 0  # scrolls the page took right after a read

    def read_window(self) -> Window:
        window, self._pending = self._pending, None
        if window is None:
            # the chat's first read: no scroll (so no rate-limit wait), only its loading awaited
            result = self._scroll_read(scroll=None, ahead=self._ahead_first)
            window = self._take(result)[1]
        self._prompt = bool(window.phone_prompt)
        return window

    def scroll_older(self) -> ScrollOutcome:
        if self._ahead is None:
            self._limiter.wait()
            scroll: dict | None = self._scroll()
        else:
            scroll = None  # taken right after the last read: only wait for it
        outcome, self._pending = self._take(self._scroll_read(scroll=scroll, ahead=self._read_ahead))
        return outcome

    def _scroll_read(self, *, scroll: dict | None, ahead: bool) -> Mapping[str, Any]:
        """One round trip of page_js/scroll_read.js."""
        script = pagejs.call_with("scroll_read", "scroll_history", "history_settled", "extract_rows")
        return boundary.evaluate(self.page, script, self._arg(scroll=scroll, ahead=ahead))

    def _take(self, result: Mapping[str, Any]) -> tuple[ScrollOutcome, Window]:
        outcome, raw = answer(result)
        self._ahead = result.get("ahead") or None
        self.scrolls_ahead += self._ahead is not None
        self._anchor = oldest_read_row(raw) or self._anchor
        return outcome, self._reader.parse(raw)

    def _scroll(self) -> dict:
        return {"nav": self._nav, "by": 0.8, "anchor": self._anchor}

    def _arg(self, *, scroll: dict | None, ahead: bool) -> dict:
        return {
            "scroll": scroll,
            "resume": self._ahead,
            "ahead": self._scroll() if ahead else None,
            "settle": self._settle,
            "prompt": self._prompt,
            "timeoutMs": self._settle_ms,
            "extract": self._reader.js_arg(),
        }


def answer(result: Mapping[str, Any]) -> tuple[ScrollOutcome, dict[str, Any]]:
    """Pure: page_js/scroll_read.js's answer → (outcome, raw window)."""
    return scroll_outcome(result.get("outcome")), json.loads(result["window"])
