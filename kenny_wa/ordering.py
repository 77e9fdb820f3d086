"""The page's order of one chat's messages (pure): positions within a minute, the repeated hour.

WhatsApp Web shows message times to the minute, so several messages share one ``ts``; the page
still shows them in the order they were sent. That order is kept as each message's
``position``: its index among the messages of the same minute, in page order. A read always
covers whole minutes (the history floor is a minute boundary, see browser/history.py), so a
rerun numbers the same messages the same way, and a message that arrives later in the same
minute is shown after them and numbered after them.

Once a year the clock is put back and an hour of wall times happens twice (America/New_York,
2026-11-01 01:00–01:59). The page shows only the wall time, so the parser takes the first
occurrence. The page's order decides better: in page order times never go backwards, so a
message whose first reading is earlier than a message shown before it is in the second
occurrence. Every message of a repeated hour is flagged in its metadata with how its offset
was decided (:data:`AMBIGUOUS_NOTES`).

    order = PageOrder(); order.add(window_ids) per window read, newest window first
    messages = arrange(by_id, order.ids, timezone=..., now=...)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence

from kenny_wa.model import Message

# how the offset of a wall time in a repeated hour was decided (metadata "ambiguous_time")
FIRST_BY_PAGE = "first_by_page_order"  # a later message of the page is in the second occurrence
SECOND_BY_PAGE = "second_by_page_order"  # the first reading would go back before a message shown earlier
FIRST_BY_CLOCK = "first_by_clock"  # the second reading would be later than now
FIRST_ASSUMED = "first_assumed"  # nothing on the page tells: the first occurrence is stored
AMBIGUOUS_NOTES = (FIRST_BY_PAGE, SECOND_BY_PAGE, FIRST_BY_CLOCK, FIRST_ASSUMED)


class PageOrder:
    """The ids of one chat in page order (oldest first), merged from overlapping windows.

    Windows are read from the newest towards the oldest; each is in DOM order. Ids a window
    adds go right before the first already-known id that follows them in the window (or right
    after the last known one when none follows), so overlapping windows merge into one order.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._known: set[str] = set()

    def add(self, window: Iterable[str]) -> None:
        pending: list[str] = []
        last_known: str | None = None
        for ident in window:
            if ident in self._known:
                if pending:
                    at = 0 if self.ids[0] == ident else self.ids.index(ident)
                    self.ids[at:at] = pending
                    self._known.update(pending)
                    pending = []
                last_known = ident
            elif ident not in pending:
                pending.append(ident)
        if pending:
            at = len(self.ids) if last_known is None else self.ids.index(last_known) + 1
            self.ids[at:at] = pending
            self._known.update(pending)


@functools.lru_cache(maxsize=16)
def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(timezone)


@functools.lru_cache(maxsize=4096)
def _offset_changes_near(day: dt.date, timezone: str) -> bool:
    """Does ``timezone``'s UTC offset change between the day before and the day after ``day``
    (UTC)? Offsets never change back within three days, so elsewhere no wall time repeats."""
    zone = _zone(timezone)
    before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), dt.UTC).astimezone(zone)
    after = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(), dt.UTC).astimezone(zone)
    return before.utcoffset() != after.utcoffset()


def readings(ts: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The two UTC readings (first, second occurrence) of ``ts``'s wall time in ``timezone``
    when that wall time is repeated by a daylight-saving change; ``None`` otherwise."""
    if not _offset_changes_near(ts.astimezone(dt.UTC).date(), timezone):
        return None
    zone = _zone(timezone)
    wall = ts.astimezone(zone).replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    return None if first == second else (first, second)


def latest_reading(ts: dt.datetime, timezone: str) -> dt.datetime:
    """The latest UTC time ``ts``'s wall time can mean (the second reading in a repeated hour)."""
    both = readings(ts, timezone)
    return ts if both is None else max(ts, both[1])


@dataclasses.dataclass(frozen=True, slots=True)
class Placement:
    ts: dt.datetime
    position: int
    ambiguous_time: str | None


def place(
    page: Sequence[tuple[str, dt.datetime]], *, timezone: str, now: dt.datetime | None = None
) -> dict[str, Placement]:
    """(id, parsed ts) in page order → each id's ts (the repeated hour resolved), its position
    within its minute, and how an ambiguous wall time was decided."""
    resolved: list[tuple[str, dt.datetime, str | None]] = []
    latest: dt.datetime | None = None  # the latest time shown so far, in page order
    for ident, ts in page:
        both = readings(ts, timezone)
        note = None
        if both is not None:
            first, second = both
            if latest is not None and first < latest <= second:
                ts, note = second, SECOND_BY_PAGE
            elif now is not None and second > now:
                ts, note = first, FIRST_BY_CLOCK
            else:
                ts, note = first, FIRST_ASSUMED
        resolved.append((ident, ts, note))
        latest = ts if latest is None else max(latest, ts)
    # a second occurrence on the page shows that the first readings before it were right
    seconds = {_transition(ts, timezone) for _, ts, note in resolved if note == SECOND_BY_PAGE}
    placed: dict[str, Placement] = {}
    per_minute: dict[dt.datetime, int] = {}
    for ident, ts, note in resolved:
        if note == FIRST_ASSUMED and _transition(ts, timezone) in seconds:
            note = FIRST_BY_PAGE
        position = per_minute.get(ts, 0)
        per_minute[ts] = position + 1
        placed[ident] = Placement(ts, position, note)
    return placed


def _transition(ts: dt.datetime, timezone: str) -> dt.date:
    """The local day of a repeated hour (one per year and zone: enough to tell them apart)."""
    return ts.astimezone(_zone(timezone)).date()


def arrange(
    by_id: Mapping[str, Message],
    page_ids: Sequence[str],
    *,
    timezone: str,
    now: dt.datetime | None = None,
) -> list[Message]:
    """The messages of one read in page order, with ``ts`` resolved, ``position`` and
    ``ambiguous_time`` set, sorted by (ts, position). Ids missing from ``page_ids`` follow
    in their given order (every id a reader merged was in a window, so none should)."""
    ordered = [i for i in page_ids if i in by_id]
    seen = set(ordered)
    ordered += [i for i in by_id if i not in seen]
    placed = place([(i, by_id[i].ts) for i in ordered], timezone=timezone, now=now)
    out = []
    for ident in ordered:
        p = placed[ident]
        message = by_id[ident]
        if (message.ts, message.position, message.ambiguous_time) != (p.ts, p.position, p.ambiguous_time):
            message = dataclasses.replace(
                message, ts=p.ts, position=p.position, ambiguous_time=p.ambiguous_time
            )
        out.append(message)
    out.sort(key=lambda m: (m.ts, m.position))
    return out

