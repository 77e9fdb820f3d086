"""Chat-list row time labels → last activity (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa.browser.listtime import parse_list_time

# Sunday 20 Sep 2026, 12:00 UTC
NOW = dt.datetime(2026, 9, 20, 12, 0, tzinfo=dt.UTC)


# the page's date order, as kenny_wa.dates learns it (the locale never decides)
ORDER = {"en-US": "MDY", "en-GB": "DMY", "pt-BR": "DMY", "de-DE": "DMY", "sv-SE": None, "es-MX": "DMY"}


def p(text, locale="en-US", tz="UTC"):
    return parse_list_time(text, now=NOW, tz=tz, order=ORDER[locale])


@pytest.mark.parametrize(
    ("text", "locale", "hour", "minute"),
    [
        ("10:54 AM", "en-US", 10, 54),
        ("9:05\u202fam", "en-US", 9, 5),
        ("12:00 AM", "en-US", 0, 0),
        ("11:30", "en-GB", 11, 30),
        ("08:07", "pt-BR", 8, 7),
    ],
)
def test_time_today(text, locale, hour, minute):
    result = p(text, locale)
    assert result.precise == NOW.replace(hour=hour, minute=minute)
    assert result.day == NOW.date()
    assert result.latest <= NOW


def test_time_in_browser_timezone():
    result = p("13:15", "pt-BR", tz="America/Sao_Paulo")  # UTC-3
    assert result.precise == dt.datetime(2026, 9, 20, 16, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "locale"), [("Yesterday", "en-US"), ("Ontem", "pt-BR"), ("yesterday", "en-GB")]
)
def test_yesterday(text, locale):
    result = p(text, locale)
    assert result.day == dt.date(2026, 9, 19)
    assert result.precise is None
    assert result.latest == dt.datetime(2026, 9, 19, 23, 59, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        ("Monday", "en-US", 14),
        ("Saturday", "en-GB", 19),
        ("Sunday", "en-US", 13),  # today is Sunday: a weekday label means last week
        ("quarta-feira", "pt-BR", 16),
        ("sábado", "pt-BR", 19),
    ],
)
def test_weekday(text, locale, day):
    assert p(text, locale).day == dt.date(2026, 9, day)


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        ("9/3/2026", "en-US", dt.date(2026, 9, 3)),
        ("03/09/2026", "en-GB", dt.date(2026, 9, 3)),
        ("03/09/2026", "pt-BR", dt.date(2026, 9, 3)),
        ("12/31/2025", "en-US", dt.date(2025, 12, 31)),
        ("31/12/2025", "en-GB", dt.date(2025, 12, 31)),
        ("2026-08-01", "sv-SE", dt.date(2026, 8, 1)),
        ("14.12.2025", "de-DE", dt.date(2025, 12, 14)),
        ("1/2/26", "en-US", dt.date(2026, 1, 2)),
    ],
)
def test_dates(text, locale, day):
    assert p(text, locale).day == day


@pytest.mark.parametrize("text", ["", None, "Archived", "31/12/2025x", "25:00", "13:00 PM", "12/31/2025"])
def test_not_a_time(text):
    # "12/31/2025" in en-GB would be month 31
    assert p(text, "en-GB") is None


def test_future_date_rejected():
    assert p("10/1/2026", "en-US") is None


def test_undecided_order_reads_only_dates_both_orders_agree_on():
    def undecided(text):
        return parse_list_time(text, now=NOW, tz="UTC", order=None)

    assert undecided("3/4/2026") is None  # 3 April or 4 March: waits for the page's order
    assert undecided("13/4/2026").day == dt.date(2026, 4, 13)
    assert undecided("4/4/2026").day == dt.date(2026, 4, 4)
    assert undecided("2026-04-03").day == dt.date(2026, 4, 3)


@pytest.mark.parametrize(("text", "day"), [
    ("Heute", 20), ("GESTERN", 19), ("Ayer", 19), ("Hier", 19), ("Dün", 19), ("DÜN", 19),
    ("Ieri", 19), ("Gisteren", 19), ("昨天", 19), ("Montag", 14), ("lunes", 14), ("Cumartesi", 19),
    ("SALI", 15), ("vrijdag", 18), ("giovedì", 17),
])
def test_relative_words_of_every_language(text, day):
    assert parse_list_time(text, now=NOW, tz="UTC").day == dt.date(2026, 9, day)


def test_list_sightings_decide_the_order():
    from kenny_wa import dates
    from kenny_wa.browser.listtime import list_sightings

    today = NOW.date()
    evidence = dates.ChatDates()
    evidence.observe(list_sightings(["10:54", "Yesterday", "05/09/2026", "31/08/2026"], today), today,
                     newest_first=True)
    assert evidence.order == "DMY"


def test_bidi_marks_stripped():
    assert p("\u200e10:54\u202fPM", "en-US").precise == NOW.replace(hour=22, minute=54)
