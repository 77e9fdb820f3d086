"""Times, dates, separators and the page's date order learned from its evidence (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa import dates
from kenny_wa.dates import NumericDate, Sighting

UTC = dt.UTC
TODAY = dt.date(2026, 9, 18)  # Friday


def utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


# --- times, per language --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("10:54 PM", (22, 54)),  # en-US
    ("10:54 pm", (22, 54)),  # en-GB 12-hour
    ("8:05\u202fpm", (20, 5)),
    ("8:05\u00a0AM", (8, 5)),
    ("12:00 AM", (0, 0)),
    ("12:30 PM", (12, 30)),
    ("12:30 p.m.", (12, 30)),  # es-MX
    ("12:33 a. m.", (0, 33)),  # es-MX, older ICU
    ("7:15 a. m.", (7, 15)),
    ("13:52", (13, 52)),  # pt-BR, de-DE, fr-FR, tr-TR, nl-NL
    ("00:07", (0, 7)),
    ("13.52", (13, 52)),  # it / da style
    ("9.41", (9, 41)),
    ("13 h 52", (13, 52)),  # fr-CA
    ("下午1:23", (13, 23)),  # zh
    ("上午11:05", (11, 5)),
    ("午後1:23", (13, 23)),  # ja
    ("午前12:10", (0, 10)),
    ("오후 3:10", (15, 10)),  # ko
    ("오전 9:00", (9, 0)),
])
def test_parse_time(text: str, expected: tuple[int, int]) -> None:
    assert dates.parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "13:05 PM", "0:30 am", "10:60", "ten past", "", "下午13:00"])
def test_parse_time_rejects(text: str) -> None:
    assert dates.parse_time(text) is None


def test_parse_time_in_meta_text() -> None:
    assert dates.parse_time("Edited 11:15\u202fAM", anchored=False) == (11, 15)
    assert dates.parse_time("Bearbeitet 11:15", anchored=False) == (11, 15)
    assert dates.parse_time("", anchored=False) is None


# --- dates, per format ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-22", dt.date(2026, 3, 22)),  # ISO (sv-SE, en-CA)
    ("2026/3/22", dt.date(2026, 3, 22)),  # ja, zh
    ("2026. 3. 22.", dt.date(2026, 3, 22)),  # ko
    ("2026年3月22日", dt.date(2026, 3, 22)),  # ja, zh
])
def test_year_first_dates_need_no_order(text: str, expected: dt.date) -> None:
    assert dates.read_date(text) == (expected, None)
    assert dates.parse_date(text, None) == dates.parse_date(text, "MDY") == (expected, None)


@pytest.mark.parametrize(("text", "dmy", "mdy"), [
    ("22/03/2026", dt.date(2026, 3, 22), None),  # en-GB, pt-BR, es-MX, fr, it
    ("3/22/2026", None, dt.date(2026, 3, 22)),  # en-US
    ("22.03.2026", dt.date(2026, 3, 22), None),  # de-DE, tr-TR
    ("22.3.2026", dt.date(2026, 3, 22), None),
    ("22-03-2026", dt.date(2026, 3, 22), None),  # nl-NL
    ("3/4/2026", dt.date(2026, 4, 3), dt.date(2026, 3, 4)),
    ("9/12/26", dt.date(2026, 12, 9), dt.date(2026, 9, 12)),  # two-digit year
    ("29/02/2028", dt.date(2028, 2, 29), None),
    ("4/4/2026", dt.date(2026, 4, 4), dt.date(2026, 4, 4)),
])
def test_numeric_dates_under_each_order(text: str, dmy, mdy) -> None:
    numeric, warning = dates.read_date(text)
    assert isinstance(numeric, NumericDate) and warning is None
    assert (numeric.under("DMY"), numeric.under("MDY")) == (dmy, mdy)
    assert numeric.ambiguous is (dmy is not None and mdy is not None and dmy != mdy)


@pytest.mark.parametrize(("text", "order", "warning"), [
    ("6/13/2026", "DMY", "impossible_date"),  # never swapped silently
    ("13/6/2026", "MDY", "impossible_date"),
    ("31/04/2026", "DMY", "impossible_date"),
    ("3/4/2026", None, "ambiguous_date"),
    ("2026-02-30", None, "impossible_date"),
    ("31/31/2026", None, "impossible_date"),
    ("tomorrow", "DMY", "unparsed_date"),
])
def test_parse_date_reports(text: str, order, warning: str) -> None:
    assert dates.parse_date(text, order) == (None, warning)


def test_unknown_order_reads_what_both_orders_agree_on() -> None:
    assert dates.parse_date("13/4/2026", None) == (dt.date(2026, 4, 13), None)
    assert dates.parse_date("4/13/2026", None) == (dt.date(2026, 4, 13), None)
    assert dates.parse_date("4/4/2026", None) == (dt.date(2026, 4, 4), None)


@pytest.mark.parametrize(("text", "expected"), [
    ("9 December 2025", dt.date(2025, 12, 9)),  # en-GB
    ("December 9, 2025", dt.date(2025, 12, 9)),  # en-US
    ("9 de dezembro de 2025", dt.date(2025, 12, 9)),  # pt
    ("9 de diciembre de 2025", dt.date(2025, 12, 9)),  # es
    ("22. März 2026", dt.date(2026, 3, 22)),  # de
    ("22 mars 2026", dt.date(2026, 3, 22)),  # fr
    ("22 marzo 2026", dt.date(2026, 3, 22)),  # it
    ("22 Mart 2026", dt.date(2026, 3, 22)),  # tr
    ("22 maart 2026", dt.date(2026, 3, 22)),  # nl
    ("22 mrt. 2026", dt.date(2026, 3, 22)),
    ("Sonntag, 22. März 2026", dt.date(2026, 3, 22)),
    ("August 30", dt.date(2026, 8, 30)),
    ("December 30", dt.date(2025, 12, 30)),  # no year: the most recent past one
])
def test_named_month_dates(text: str, expected: dt.date) -> None:
    assert dates.named_month_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["March", "22 2026", "22 March 2026 extra", "Lena 22 March"])
def test_not_named_month_dates(text: str) -> None:
    assert dates.named_month_date(text, TODAY) is None


# --- separators, per language ---------------------------------------------------------------


@pytest.mark.parametrize(("label", "expected"), [
    ("Today", TODAY), ("TODAY", TODAY), ("Hoje", TODAY), ("HOY", TODAY), ("Heute", TODAY),
    ("Aujourd'hui", TODAY), ("AUJOURD’HUI", TODAY), ("Bugün", TODAY), ("Oggi", TODAY),
    ("Vandaag", TODAY), ("今日", TODAY), ("今天", TODAY), ("오늘", TODAY),
    ("Yesterday", dt.date(2026, 9, 17)), ("YESTERDAY", dt.date(2026, 9, 17)),
    ("Ontem", dt.date(2026, 9, 17)), ("Ayer", dt.date(2026, 9, 17)), ("Gestern", dt.date(2026, 9, 17)),
    ("Hier", dt.date(2026, 9, 17)), ("Dün", dt.date(2026, 9, 17)), ("Ieri", dt.date(2026, 9, 17)),
    ("Gisteren", dt.date(2026, 9, 17)), ("昨日", dt.date(2026, 9, 17)), ("昨天", dt.date(2026, 9, 17)),
    ("Tuesday", dt.date(2026, 9, 15)), ("Friday", dt.date(2026, 9, 11)),  # a week ago
    ("segunda-feira", dt.date(2026, 9, 14)), ("Quarta-feira", dt.date(2026, 9, 16)),
    ("sábado", dt.date(2026, 9, 12)), ("miércoles", dt.date(2026, 9, 16)),
    ("Mittwoch", dt.date(2026, 9, 16)), ("mercredi", dt.date(2026, 9, 16)),
    ("mercoledì", dt.date(2026, 9, 16)), ("Çarşamba", dt.date(2026, 9, 16)),
    ("woensdag", dt.date(2026, 9, 16)), ("水曜日", dt.date(2026, 9, 16)), ("星期三", dt.date(2026, 9, 16)),
    ("9 December 2025", dt.date(2025, 12, 9)),
    ("2026年9月1日", dt.date(2026, 9, 1)),
    ("14/09/2026", dt.date(2026, 9, 14)),
])
def test_separator(label: str, expected: dt.date) -> None:
    assert dates.parse_separator(label, TODAY) == expected


def test_numeric_separator_waits_for_the_order() -> None:
    assert dates.parse_separator("12/09/2026", TODAY) is None
    assert dates.parse_separator("12/09/2026", TODAY, "DMY") == dt.date(2026, 9, 12)
    assert dates.parse_separator("9/12/2026", TODAY, "MDY") == dt.date(2026, 9, 12)


@pytest.mark.parametrize("label", [
    "Messages and calls are end-to-end encrypted. No one outside of this chat can read them.",
    "Lena changed the group description", "3/4/2026 extra words", "", "31/02/2026",
])
def test_not_a_separator(label: str) -> None:
    assert dates.parse_separator(label, TODAY, "DMY") is None


def test_read_list_label() -> None:
    assert dates.read_list_label("10:54 PM", TODAY) == dates.ListLabel((22, 54), TODAY)
    assert dates.read_list_label("Ontem", TODAY) == dates.ListLabel(None, dt.date(2026, 9, 17))
    assert dates.read_list_label("3/4/2026", TODAY) == dates.ListLabel(None, NumericDate(3, 4, 2026))
    assert dates.read_list_label("Archived", TODAY) is None


# --- DST ------------------------------------------------------------------------------------


def test_to_utc_dst_offsets() -> None:
    assert dates.to_utc(dt.date(2026, 1, 15), 12, 0, "Europe/London") == (utc(2026, 1, 15, 12, 0), None)
    assert dates.to_utc(dt.date(2026, 7, 15), 12, 0, "Europe/London") == (utc(2026, 7, 15, 11, 0), None)
    assert dates.to_utc(dt.date(2026, 7, 15), 12, 0, "America/New_York") == (utc(2026, 7, 15, 16, 0), None)


def test_to_utc_spring_forward_gap_is_refused() -> None:
    assert dates.to_utc(dt.date(2026, 3, 8), 2, 30, "America/New_York") == (None, "nonexistent_local_time")


def test_to_utc_fall_back_repeat_takes_first_and_reports() -> None:
    ts, warning = dates.to_utc(dt.date(2026, 11, 1), 1, 30, "America/New_York")
    assert ts == utc(2026, 11, 1, 5, 30) and warning == "ambiguous_local_time"


def test_date_order_from_intl_parts() -> None:
    assert dates.date_order_from_parts(["month", "literal", "day", "literal", "year"]) == "MDY"
    assert dates.date_order_from_parts(["day", "literal", "month", "literal", "year"]) == "DMY"
    assert dates.date_order_from_parts(["year", "literal", "month", "literal", "day"]) == "YMD"
    assert dates.date_order_from_parts(["literal"]) is None


# --- the page's date order ------------------------------------------------------------------


def n(text: str) -> NumericDate:
    value = dates.read_date(text)[0]
    assert isinstance(value, NumericDate)
    return value


@pytest.mark.parametrize(("sightings", "orders"), [
    # a day above 12 decides
    ([Sighting(n("14/09/2026"))], {"DMY"}),
    ([Sighting(n("9/14/2026"))], {"MDY"}),
    # a separator the rows sit under decides: "Yesterday" is 17 September
    ([Sighting(n("09/17/2026"), dt.date(2026, 9, 17))], {"MDY"}),
    ([Sighting(n("05/09/2026"), dt.date(2026, 9, 5))], {"DMY"}),
    # a weekday separator ("Monday" = 14 Sep) with a prefix date of that day
    ([Sighting(n("9/14/2026"), dates.relative_day("Monday", TODAY))], {"MDY"}),
    # not in the future: 9 October has not happened yet
    ([Sighting(n("10/9/2026"))], {"DMY"}),
    # chronology: 3 Aug then 1 Sep goes forward (DMY); 8 Mar then 9 Jan goes back (MDY)
    ([Sighting(n("03/08/2026")), Sighting(n("01/09/2026"))], {"DMY"}),
    ([Sighting(n("08/03/2026")), Sighting(n("09/03/2026"))], {"DMY", "MDY"}),
    # nothing consistent: a reading that fits neither
    ([Sighting(n("14/09/2026")), Sighting(n("9/14/2026"))], set()),
])
def test_consistent_orders(sightings, orders) -> None:
    assert dates.consistent_orders(sightings, TODAY) == frozenset(orders)


def test_chat_list_chronology_is_newest_first() -> None:
    listed = [Sighting(TODAY), Sighting(n("01/09/2026")), Sighting(n("03/08/2026"))]
    assert dates.consistent_orders(listed, TODAY, newest_first=True) == {"DMY"}


def test_all_days_below_13_with_no_other_evidence_stay_open() -> None:
    chat = dates.ChatDates()
    chat.observe([Sighting(n("03/04/2026")), Sighting(n("05/06/2026"))], TODAY)
    assert chat.possible == dates.ORDERS and chat.differs
    assert chat.order is None and not chat.contradicted


def test_readings_that_agree_need_no_decision() -> None:
    chat = dates.ChatDates()
    chat.observe([Sighting(n("04/04/2026")), Sighting(dt.date(2026, 9, 18))], TODAY)
    assert chat.order is not None and chat.page.order is None


def test_a_decision_carries_to_the_next_chat_of_the_page() -> None:
    page = dates.PageDates()
    first = dates.ChatDates(page=page)
    first.observe([Sighting(n("25/08/2026"))], TODAY)
    assert page.order == "DMY"
    second = dates.ChatDates(page=page)
    second.observe([Sighting(n("03/04/2026"))], TODAY)
    assert second.order == "DMY"
    # a chat whose own dates say otherwise trusts none of them
    third = dates.ChatDates(page=page)
    third.observe([Sighting(n("8/25/2026"))], TODAY)
    assert third.contradicted and third.order is None


def test_a_chat_still_open_takes_a_later_page_decision() -> None:
    page = dates.PageDates()
    waiting = dates.ChatDates(page=page)
    waiting.observe([Sighting(n("03/04/2026"))], TODAY)
    assert waiting.order is None
    dates.ChatDates(page=page).observe([Sighting(n("4/25/2026"))], TODAY)
    assert waiting.order == "MDY"
