"""Every reading of a time, a date, a date separator and a chat-list time; and the page's date
order, learned from what the page shows (pure: no browser, no clock, no I/O).

Times: "10:54 PM", "8:05 pm", "12:33 a. m.", "13:52", "13.52", "下午1:23", "오후 1:23".
Dates: "2026-03-22", "2026/3/22", "2026年3月22日", "22. März 2026", "9 de dezembro de 2025" and
"March 22" are read the same whatever the page's language; "22/03/2026", "3/22/2026",
"22.03.2026" and "22/03/26" (a :class:`NumericDate`) depend on the page's order, day first
(DMY) or month first (MDY).

That order is never taken from a setting: WhatsApp Web writes dates in its own language,
which need not be the browser's. :class:`ChatDates` keeps the orders that every date the page
showed allows (:func:`consistent_orders`): a reading is out when it gives an impossible date,
a date after today, a date other than the separator it sits under ("Today", "Yesterday", a
weekday, a named month), or dates that go back in time down the page. Once one order is left
it is the page's (:class:`PageDates`) for every later chat of the session; while both remain
and some date reads differently under them, those dates wait (see docs in README, "How dates
are read").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from kenny_wa.words import DATE_FILLERS, HALF_DAY_PREFIXES, MONTHS, RELATIVE_DAYS, WEEKDAYS, clean, fold

UTC = dt.UTC
DateOrder = str  # "DMY" | "MDY" (a year-first date reads the same in every order)
ORDERS: frozenset[DateOrder] = frozenset({"DMY", "MDY"})

_TIME = re.compile(
    r"(?P<pre>上午|下午|午前|午後|오전|오후)?\s*(?P<h>\d{1,2})\s?[:.h]\s?(?P<m>\d{2})"
    r"(?:\s*(?P<ap>[ap])\.?\s?m\.?(?![a-z]))?",
    re.I,
)
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YMD_DATE = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*\.?")
_NUM_DATE = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})\s*\.?")
_WORDS = re.compile(r"\d+|[^\W\d_]+")


# --- times ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # a chat repeats its times and dates: read each once
def parse_time(value: str, *, anchored: bool = True) -> tuple[int, int] | None:
    """"10:54 PM", "8:05 pm", "13.52", "下午1:23" → (hour, minute); None if invalid."""
    text = clean(value)
    m = _TIME.fullmatch(text) if anchored else _TIME.search(text)
    if not m:
        return None
    hour, minute = int(m["h"]), int(m["m"])
    if minute > 59:
        return None
    if m["ap"]:
        pm: bool | None = m["ap"].lower() == "p"
    else:
        pm = HALF_DAY_PREFIXES.get(m["pre"]) if m["pre"] else None
    if pm is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    elif hour > 23:
        return None
    return hour, minute


@functools.lru_cache(maxsize=8192)  # overlapping windows read the same rows again
def to_utc(day: dt.date, hour: int, minute: int, timezone: str) -> tuple[dt.datetime | None, str | None]:
    """Local wall time in ``timezone`` → aware UTC. A time skipped by DST is refused;
    a repeated one takes the first occurrence and reports it."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    utc = local.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None, "nonexistent_local_time"
    if local.replace(fold=1).astimezone(UTC) != utc:
        return utc, "ambiguous_local_time"
    return utc, None


def today_in(now: dt.datetime, timezone: str) -> dt.date:
    """The calendar day of ``now`` where the page shows its times."""
    return now.astimezone(zoneinfo.ZoneInfo(timezone)).date()


# --- dates ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class NumericDate:
    """A date written day/month/year-last ("3/4/2026"): which number is the day is the order's."""

    first: int
    second: int
    year: int

    def under(self, order: DateOrder | None) -> dt.date | None:
        """The date in ``order``; with no order, only a date both orders read the same."""
        if order == "DMY":
            return _date(self.year, self.second, self.first)
        if order == "MDY":
            return _date(self.year, self.first, self.second)
        dmy, mdy = _date(self.year, self.second, self.first), _date(self.year, self.first, self.second)
        return dmy if dmy == mdy or mdy is None else mdy if dmy is None else None

    @property
    def ambiguous(self) -> bool:
        """Both orders give a valid date, and not the same one."""
        return self.first != self.second and self.first <= 12 and self.second <= 12


DateText = dt.date | NumericDate  # a date as read: fixed, or waiting for the page's order


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def read_date(value: str) -> tuple[DateText | None, str | None]:
    """A numeric date as written → (date or NumericDate, None) or (None, warning kind)."""
    text = clean(value)
    m = _CJK_DATE.fullmatch(text) or _YMD_DATE.fullmatch(text)
    if m:
        day = _date(int(m[1]), int(m[2]), int(m[3]))
        return (day, None) if day else (None, "impossible_date")
    m = _NUM_DATE.fullmatch(text)
    if not m:
        return None, "unparsed_date"
    year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    numeric = NumericDate(int(m[1]), int(m[2]), year)
    if numeric.under("DMY") is None and numeric.under("MDY") is None:
        return None, "impossible_date"
    return numeric, None


def resolve(text: DateText | None, order: DateOrder | None) -> dt.date | None:
    """The date a read date stands for under ``order`` (None: not a date there, or undecided)."""
    if text is None or isinstance(text, dt.date):
        return text
    return text.under(order)


def parse_date(value: str, order: DateOrder | None) -> tuple[dt.date | None, str | None]:
    """A numeric date in ``order`` (None: unknown, only unambiguous dates) → (date, warning)."""
    text, warning = read_date(value)
    if text is None:
        return None, warning
    day = resolve(text, order)
    if day is not None:
        return day, None
    return None, "ambiguous_date" if order is None else "impossible_date"


def named_month_date(value: str, today: dt.date) -> dt.date | None:
    """"9 December 2025", "December 9, 2025", "22. März 2026", "9 de dezembro de 2025",
    "August 30" (the most recent past one) → the date; None if it is not such a date."""
    words = [fold(w) for w in _WORDS.findall(clean(value))]
    words = [w for w in words if w not in DATE_FILLERS and w not in WEEKDAYS]
    months = [w for w in words if w in MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) != 1 or not 1 <= len(numbers) <= 2 or len(words) != len(months) + len(numbers):
        return None
    month = MONTHS[months[0]]
    days = [int(n) for n in numbers if len(n) <= 2]
    years = [int(n) for n in numbers if len(n) == 4]
    if len(days) != 1 or len(years) != len(numbers) - 1:
        return None
    if years:
        return _date(years[0], month, days[0])
    candidate = _date(today.year, month, days[0])
    if candidate and candidate > today:
        candidate = _date(today.year - 1, month, days[0])
    return candidate


def relative_day(value: str, today: dt.date) -> dt.date | None:
    """"Today", "ONTEM", "Dün", "Tuesday", "quarta-feira" → the date it stands for."""
    text = fold(value)
    if text in RELATIVE_DAYS:
        return today - dt.timedelta(days=RELATIVE_DAYS[text])
    if text in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS[text]) % 7 or 7  # today itself would say "Today"
        return today - dt.timedelta(days=back)
    return None


def read_separator(label: str, today: dt.date) -> DateText | None:
    """A date-separator label → the date (or NumericDate) it stands for; None if not a date."""
    text = clean(label)
    if not text or len(text) > 40:
        return None
    day = relative_day(text, today)
    if day is not None:
        return day
    if any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text if ch not in "年月日"):
        return read_date(text)[0]
    return named_month_date(text, today)


def parse_separator(label: str, today: dt.date, order: DateOrder | None = None) -> dt.date | None:
    """A date-separator label → its date in ``order`` (None: not a date, or undecided)."""
    return resolve(read_separator(label, today), order)


class ListLabel(NamedTuple):
    """A chat-list time label as read: a time of today, or a day."""

    hm: tuple[int, int] | None
    day: DateText | None


def read_list_label(label: str, today: dt.date) -> ListLabel | None:
    """"10:54 PM" (today), "Yesterday", "Monday", "9/12/2026", "2026-09-12" → what it says."""
    text = clean(label)
    hm = parse_time(text)
    if hm is not None:
        return ListLabel(hm, today)
    day = relative_day(text, today)
    if day is None:
        day = read_date(text)[0] or named_month_date(text, today)
    return ListLabel(None, day) if day is not None else None


def date_order_from_parts(part_types: Sequence[str]) -> str | None:
    """``Intl.DateTimeFormat().formatToParts()`` types → "DMY"/"MDY"/"YMD" (a hint only)."""
    order = "".join(t[0].upper() for t in part_types if t in ("day", "month", "year"))
    return order if order in ("DMY", "MDY", "YMD") else None


# --- the page's date order ------------------------------------------------------------------


class Sighting(NamedTuple):
    """One date the page shows, in page order, with the separator date it sits under."""

    text: DateText
    anchor: DateText | None = None


def consistent_orders(
    sightings: Sequence[Sighting], today: dt.date, *, newest_first: bool = False
) -> frozenset[DateOrder]:
    """The orders under which every sighting is a real date, not after today, the same day as
    its separator, and in chronological page order (oldest first, or ``newest_first``)."""
    out = set()
    for order in ORDERS:
        previous: dt.date | None = None
        for sighting in sightings:
            day = resolve(sighting.text, order)
            if day is None or day > today:
                break
            if sighting.anchor is not None and resolve(sighting.anchor, order) != day:
                break
            if previous is not None and (day > previous if newest_first else day < previous):
                break
            previous = day
        else:
            out.add(order)
    return frozenset(out)


def any_ambiguous(sightings: Iterable[Sighting]) -> bool:
    return any(
        (isinstance(s.text, NumericDate) and s.text.ambiguous)
        or (isinstance(s.anchor, NumericDate) and s.anchor.ambiguous)
        for s in sightings
    )


@dataclasses.dataclass(slots=True)
class PageDates:
    """The date order of one page session, once some chat's (or the chat list's) dates ruled
    the other out. Shared by every chat read in the session."""

    order: DateOrder | None = None


@dataclasses.dataclass(slots=True)
class ChatDates:
    """One chat's (or the chat list's) date order: the page's, narrowed by its own sightings."""

    page: PageDates = dataclasses.field(default_factory=PageDates)
    possible: frozenset[DateOrder] = ORDERS
    differs: bool = False  # a sighting reads differently under the orders still possible

    def observe(self, sightings: Sequence[Sighting], today: dt.date, *, newest_first: bool = False) -> None:
        if not sightings:
            return
        if self.page.order is not None:
            self.possible &= {self.page.order}
        self.possible &= consistent_orders(sightings, today, newest_first=newest_first)
        self.differs = self.differs or any_ambiguous(sightings)
        if len(self.possible) == 1 and self.page.order is None:
            (self.page.order,) = self.possible

    def _possible(self) -> frozenset[DateOrder]:
        return self.possible & {self.page.order} if self.page.order else self.possible

    @property
    def order(self) -> DateOrder | None:
        """The order to read dates in; None while undecided (or contradicted)."""
        possible = self._possible()
        if len(possible) == 1:
            return next(iter(possible))
        if possible and not self.differs:
            return "DMY"  # every date seen reads the same in both orders
        return None

    @property
    def contradicted(self) -> bool:
        """No order fits every date this chat showed: none of them can be trusted."""
        return not self._possible()
