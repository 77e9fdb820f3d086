"""Parse the time shown on a chat-list row (pure): "10:54 PM", "Yesterday", "Monday", "9/12/2026".

The chat list shows the last activity with minute precision for today, and only a day for
older chats. :class:`ListTime` keeps that precision so callers can compare honestly:
``latest`` is the latest moment the label allows (used against the lookback cutoff, so a
chat is never skipped because of rounding), ``day`` is the local calendar day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
import zoneinfo

# locales that write dates month first (everything else is day first, or ISO year first)
MONTH_FIRST = frozenset({"en-US", "en-PH", "en-CA", "es-US", "fil", "en"})
TODAY = frozenset({"today", "hoje", "hoy", "oggi", "heute", "aujourd'hui", "bugün"})
YESTERDAY = frozenset({"yesterday", "ontem", "ayer", "ieri", "gestern", "hier", "dün"})
WEEKDAYS = {
    # Monday = 0
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
    "segunda-feira": 0, "terça-feira": 1, "quarta-feira": 2, "quinta-feira": 3,
    "sexta-feira": 4, "sábado": 5, "domingo": 6,
    "segunda": 0, "terça": 1, "quarta": 2, "quinta": 3, "sexta": 4,
    "lunes": 0, "martes": 1, "miércoles": 2, "jueves": 3, "viernes": 4,
    "lunedì": 0, "martedì": 1, "mercoledì": 2, "giovedì": 3, "venerdì": 4, "sabato": 5,
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
    "sonntag": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
}
_TIME = re.compile(
    r"^(?P<h>\d{1,2})[:.h](?P<m>\d{2})\s*(?P<ampm>[ap]\.?\s?m\.?)?$", re.IGNORECASE
)
_DATE = re.compile(r"^(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})\.?$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


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


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE)).replace("\u202f", " ")
    return text.replace("\xa0", " ").strip()


def parse_list_time(text: str | None, *, now: dt.datetime, tz: str, locale: str) -> ListTime | None:
    """The row's last activity, or None when the label is not a time/day/date we know."""
    if not text:
        return None
    zone = zoneinfo.ZoneInfo(tz)
    local_now = now.astimezone(zone)
    today = local_now.date()
    label = clean(text)
    lowered = label.lower()

    match = _TIME.match(label)
    if match:
        hour, minute = int(match["h"]), int(match["m"])
        if match["ampm"]:
            pm = match["ampm"].lower().startswith("p")
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if pm else 0)
        if hour > 23 or minute > 59:
            return None
        local = dt.datetime.combine(today, dt.time(hour, minute), zone)
        precise = local.astimezone(dt.UTC)
        latest = min(precise + dt.timedelta(seconds=59), now)
        return ListTime(day=today, precise=precise, latest=latest, tz=tz)

    if lowered in TODAY:
        return _day(today, zone, now, tz)
    if lowered in YESTERDAY:
        return _day(today - dt.timedelta(days=1), zone, now, tz)
    if lowered in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS[lowered]) % 7 or 7
        return _day(today - dt.timedelta(days=back), zone, now, tz)

    match = _DATE.match(label)
    if match:
        day = _date(match["a"], match["b"], match["c"], locale)
        if day is None or day > today:
            return None
        return _day(day, zone, now, tz)
    return None


def _day(day: dt.date, zone: zoneinfo.ZoneInfo, now: dt.datetime, tz: str) -> ListTime:
    end = dt.datetime.combine(day, dt.time(23, 59, 59), zone).astimezone(dt.UTC)
    return ListTime(day=day, precise=None, latest=min(end, now), tz=tz)


def _date(a: str, b: str, c: str, locale: str) -> dt.date | None:
    try:
        if len(a) == 4:  # ISO-like: year first
            return dt.date(int(a), int(b), int(c))
        year = int(c) + (2000 if len(c) <= 2 else 0)
        if locale in MONTH_FIRST:
            return dt.date(year, int(a), int(b))
        return dt.date(year, int(b), int(a))
    except ValueError:
        return None
