"""The time shown on a chat-list row (pure): "10:54 PM", "Yesterday", "Monday", "9/12/2026".

The label is read by :mod:`kenny_wa.dates`; a numeric date is read in the page's date order,
learned from the list's own labels (:func:`list_sightings`) and every chat of the session.

The chat list shows the last activity with minute precision for today, and only a day for
older chats. :class:`ListTime` keeps that precision so callers can compare honestly:
``latest`` is the latest moment the label allows (used against the lookback cutoff, so a
chat is never skipped because of rounding), ``day`` is the local calendar day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterable

from kenny_wa import dates


@dataclasses.dataclass(frozen=True, slots=True)
class ListTime:
    day: dt.date  # local calendar day
    precise: dt.datetime | None  # aware UTC, minute precision, when the label is a time
    latest: dt.datetime  # aware UTC: the latest moment the label allows (capped at now)
    tz: str = "UTC"  # the browser time zone the label is in

    def local_day_of(self, ts: dt.datetime) -> dt.date:
        """The calendar day of ``ts`` in the label's time zone."""
        return ts.astimezone(zoneinfo.ZoneInfo(self.tz)).date()

    @property
    def value(self) -> dt.datetime:
        """The chat's last activity to record: the time, else the end of that day (capped at now)."""
        return self.precise or self.latest


def parse_list_time(
    text: str | None, *, now: dt.datetime, tz: str, order: dates.DateOrder | None = None
) -> ListTime | None:
    """The row's last activity, or None when the label is not a time/day/date we know, is in
    the future, or is a numeric date that reads differently in the two date orders while the
    page's ``order`` is undecided (see kenny_wa.dates)."""
    if not text:
        return None
    zone = zoneinfo.ZoneInfo(tz)
    today = now.astimezone(zone).date()
    label = dates.read_list_label(text, today)
    if label is None:
        return None
    day = dates.resolve(label.day, order)
    if day is None or day > today:
        return None
    if label.hm is not None:
        local = dt.datetime.combine(today, dt.time(*label.hm), zone)
        precise = local.astimezone(dt.UTC)
        latest = min(precise + dt.timedelta(seconds=59), now)
        return ListTime(day=today, precise=precise, latest=latest, tz=tz)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), zone).astimezone(dt.UTC)
    return ListTime(day=day, precise=None, latest=min(end, now), tz=tz)


def list_sightings(labels: Iterable[str | None], today: dt.date) -> list[dates.Sighting]:
    """The days a run of chat-list labels (top to bottom, pinned rows left out) shows: the
    list's evidence of the page's date order (newest first)."""
    out = []
    for text in labels:
        label = dates.read_list_label(text, today) if text else None
        if label is not None and label.day is not None:
            out.append(dates.Sighting(label.day))
    return out
