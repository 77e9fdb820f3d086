"""Read the visible message window (one ``page.evaluate``) and parse it.

- :func:`read_raw` runs ``page_js/extract_rows.js`` once and returns its raw dict.
- :func:`detect_profile` names the WhatsApp Web era (p4/p5/p6) from a page or a raw window.
- :func:`read_window` = read_raw + detect_profile + :func:`kenny_wa.parse.parse_window`.
- :class:`WindowReader` parses one chat's raw windows with the era pinned after the first.
- :func:`read_page_intl` reads the page's locale, time zone, date order and hour cycle.
"""

from __future__ import annotations

import collections
import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kenny_wa import dates, errors, parse
from kenny_wa.browser import boundary, pagejs, selectors
from kenny_wa.model import Message

if TYPE_CHECKING:
    from playwright.sync_api import Page

ERAS = ("p6", "p5", "p4")


@dataclasses.dataclass(slots=True)
class WindowResult:
    """One read of the visible rows."""

    messages: list[Message]  # parsed, in DOM order (oldest first)
    profile: str  # era that matched: "p6" | "p5" | "p4"
    history_start: bool  # the encryption notice (top of the chat) is rendered
    phone_prompt: bool  # "get older messages from your phone" is shown
    loading: bool  # a spinner is shown in the conversation
    ids: list[str]  # external ids of every message row seen (parsed or not), DOM order
    chat_jid: str | None  # normalised chat JID when packed ids reveal it (p4), else None
    warnings: collections.Counter[str]  # content-free kinds: "ambiguous_date", "no_time", …
    rows: int  # [role=row] nodes read, of any kind
    dates_pending: bool = False  # some date waited for the page's date order (read it again)
    dates_contradicted: bool = False  # no date order fits the chat's dates


@dataclasses.dataclass(frozen=True, slots=True)
class PageIntl:
    locale: str
    timezone: str
    date_order: str | None  # "DMY" | "MDY" | "YMD"
    hour_cycle: str | None  # "h12" | "h23" | ...


def rows_of(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The extractor's compact ``{fields, rows}`` arrays → one dict per row."""
    fields = raw["fields"]
    return [dict(zip(fields, row, strict=True)) for row in raw["rows"]]


def read_raw(page: Page, profile: str = "auto") -> dict[str, Any]:
    """Run the extractor once on the current window (read-only)."""
    arg = selectors.profile(profile).js_arg()
    return json.loads(boundary.evaluate(page, pagejs.call("extract_rows"), arg))


def _era_of_rows(rows: list[dict[str, Any]]) -> str | None:
    messages = [r for r in rows if r["row"] == "msg"]
    if any(parse.split_packed_id(r["id"]) for r in messages):
        return "p4"
    if any(r["cls_out"] or r["cls_in"] for r in messages):
        return "p5"
    if any(r["tid"] or r["container"] for r in messages):
        return "p6"
    # Bare ids without direction classes or test ids: the 2026 bubble (its wrapper, a tail,
    # a "You:" label or a receipt) still says which era the rows come from.
    if any(parse.is_message_row(r) and (r.get("bubble") or r["tail"] or r["prefix"] or r["receipt"])
           for r in messages):
        return "p6"
    if any(parse.is_message_row(r) for r in messages):
        raise errors.UiDrift()
    if any(r["row"] == "system" and r["tid"] for r in rows):
        return "p6"  # only notices, but with conv-msg- test ids
    return None


def detect_profile(source: Page | Mapping[str, Any], *, setting: str = "auto") -> str:
    """The era of the page (or of a raw window from :func:`read_raw`).

    Packed ids → p4, direction classes → p5, conv-msg testids / msg-container → p6. A pinned
    ``setting`` (not "auto") is returned as is. With no message rows at all the newest era is
    assumed; message rows that match no era raise :class:`errors.UiDrift`.
    """
    if setting != "auto":
        return setting
    raw = source if isinstance(source, Mapping) else read_raw(source)
    rows = rows_of(raw)
    era = _era_of_rows(rows)
    if era is None and not rows and raw.get("id_nodes"):
        raise errors.UiDrift()  # ids rendered, but no row container we know
    if era is None and raw.get("rows_by") in selectors.ROWS_WITHOUT_WRAPPER and not any(
        r["row"] == "system" for r in rows
    ):
        raise errors.UiDrift()  # bare id carriers, none of them a message we recognise
    if era is None and raw.get("ppt_nodes") and not any(r["row"] == "msg" for r in rows):
        raise errors.UiDrift()  # message stamps rendered, but no row carries a message id
    return era or ERAS[0]


def parse_raw(raw: Mapping[str, Any], ctx: parse.ParseContext, *, setting: str = "auto") -> WindowResult:
    """Pure: a raw window → WindowResult (used by read_window and extract_html)."""
    profile = detect_profile(raw, setting=setting)
    rows = rows_of(raw)
    result = parse.parse_window(rows, ctx, era=profile)
    return WindowResult(
        messages=result.messages,
        profile=profile,
        history_start=bool(raw.get("history_start")),
        phone_prompt=bool(raw.get("phone_prompt")),
        loading=bool(raw.get("loading")),
        ids=result.ids,
        chat_jid=result.chat_jid,
        warnings=result.warnings,
        rows=len(rows),
        dates_pending=result.dates_pending,
        dates_contradicted=result.dates_contradicted,
    )


def read_window(page: Page, ctx: parse.ParseContext, *, setting: str = "auto") -> WindowResult:
    """One evaluate on the visible window, parsed. ``setting`` is settings.selector_profile."""
    return parse_raw(read_raw(page, setting), ctx, setting=setting)


@dataclasses.dataclass(slots=True)
class WindowReader:
    """Parses the windows of one open chat, pinning the era once a window shows messages.

    Probing every era's selectors costs about twice a pinned read, and the era cannot change
    while the chat is open; each chat's first window with messages still probes, so a page
    that changes between chats is caught. ``setting`` is settings.selector_profile.

    The chat's date order is learned across its windows (``ctx.chat_dates``): a window read
    while the order was undecided is kept raw, and :meth:`settle` reads it again once the
    order is known (see kenny_wa.dates).
    """

    ctx: parse.ParseContext
    setting: str = "auto"
    _pending: list[Mapping[str, Any]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.ctx.chat_dates is None:
            self.ctx = dataclasses.replace(self.ctx, chat_dates=dates.ChatDates())

    def js_arg(self) -> dict[str, Any]:
        """The extractor's argument for the current setting."""
        return selectors.profile(self.setting).js_arg()

    def parse(self, raw: Mapping[str, Any]) -> WindowResult:
        window = parse_raw(raw, self.ctx, setting=self.setting)
        if self.setting == "auto" and window.messages:
            self.setting = window.profile
        if window.dates_pending:
            self._pending.append(raw)
        return window

    @property
    def chat_dates(self) -> dates.ChatDates:
        assert self.ctx.chat_dates is not None
        return self.ctx.chat_dates

    def settle(self) -> tuple[list[Message], str | None]:
        """After the chat's last window: the messages of windows that waited for the date
        order, read again in it, and ``"ambiguous_dates"`` when the order stayed open (some
        date reads differently under two orders that both fit) or none fits."""
        chat = self.chat_dates
        if chat.contradicted or (self._pending and chat.order is None):
            return [], "ambiguous_dates"
        messages: list[Message] = []
        for raw in self._pending:
            messages.extend(parse_raw(raw, self.ctx, setting=self.setting).messages)
        self._pending.clear()
        return messages, None


def read_page_intl(page: Page) -> PageIntl:
    """The page's Intl settings: what dates in data-pre-plain-text follow."""
    raw = boundary.evaluate(page, pagejs.call("read_intl"))
    return PageIntl(
        locale=raw["locale"],
        timezone=raw["timezone"],
        date_order=dates.date_order_from_parts(raw["parts"]),  # a hint only
        hour_cycle=raw.get("hour_cycle") or None,
    )
