"""The page's order (pure): merging windows, positions within a minute, the repeated DST hour."""

from __future__ import annotations

import datetime as dt

from kenny_wa import ordering
from kenny_wa.browser import history
from kenny_wa.model import Message

NY = "America/New_York"
UTC = dt.UTC
MINUTE = dt.datetime(2026, 9, 20, 20, 31, tzinfo=UTC)


def msg(ident: str, ts: dt.datetime) -> Message:
    return Message(
        external_id=ident, chat_id="123@c.us", ts=ts, is_outgoing=False, sender="s", text="x",
        kind="text", raw_data_id=ident, era="p6",
    )


def ny(hour: int, minute: int, fold: int = 0) -> dt.datetime:
    """A New York wall time of 2026-11-01 (fold 0 = EDT, 1 = EST for the repeated 01:xx) in UTC."""
    return dt.datetime(2026, 11, 1, hour, minute, fold=fold, tzinfo=ordering._zone(NY)).astimezone(UTC)


def arrange(messages: list[Message], tz: str = "UTC", now: dt.datetime | None = None) -> list[Message]:
    order = ordering.PageOrder()
    order.add(m.external_id for m in messages)
    return ordering.arrange({m.external_id: m for m in messages}, order.ids, timezone=tz, now=now)


# --- merging windows ------------------------------------------------------------------------


def test_overlapping_windows_newest_first_merge_into_page_order():
    order = ordering.PageOrder()
    order.add(["f", "g", "h"])  # the bottom of the chat
    order.add(["c", "d", "e", "f", "g"])  # scrolled up: overlaps f, g
    order.add(["a", "b", "c"])
    order.add(["b", "c", "d"])  # nothing new
    assert order.ids == ["a", "b", "c", "d", "e", "f", "g", "h"]


def test_new_ids_between_and_after_known_ones_keep_their_window_place():
    order = ordering.PageOrder()
    order.add(["a", "c"])
    order.add(["a", "b", "c", "d"])  # b appeared between a and c, d after c
    assert order.ids == ["a", "b", "c", "d"]
    order.add(["b", "x"])  # x right after b in the DOM: before c, not at the end
    assert order.ids == ["a", "b", "x", "c", "d"]


# --- positions within a minute ----------------------------------------------------------------


def test_five_messages_in_one_minute_keep_the_page_order_whatever_their_ids():
    page = [msg(i, MINUTE) for i in ("c", "d", "a", "e", "b")]
    out = arrange(page)
    assert [(m.external_id, m.position) for m in out] == [("c", 0), ("d", 1), ("a", 2), ("e", 3), ("b", 4)]
    assert all(m.ambiguous_time is None for m in out)


def test_positions_count_per_minute_and_sort_by_time_then_position():
    before = MINUTE - dt.timedelta(minutes=1)
    page = [msg("p", before), msg("q", before), msg("r", MINUTE), msg("s", MINUTE)]
    out = arrange(page)
    assert [(m.external_id, m.position) for m in out] == [("p", 0), ("q", 1), ("r", 0), ("s", 1)]


def test_a_rerun_and_a_later_arrival_in_the_same_minute_do_not_renumber_earlier_messages():
    first = {m.external_id: m.position for m in arrange([msg("z", MINUTE), msg("a", MINUTE)])}
    later = {m.external_id: m.position for m in arrange([msg("z", MINUTE), msg("a", MINUTE), msg("m", MINUTE)])}
    assert first == {"z": 0, "a": 1}
    assert later == {"z": 0, "a": 1, "m": 2}  # the newcomer sorts after, the others keep theirs


# --- the repeated hour ------------------------------------------------------------------------


def test_readings_only_for_a_repeated_wall_time():
    assert ordering.readings(ny(1, 30), NY) == (ny(1, 30, 0), ny(1, 30, 1))
    assert ny(1, 30, 1) - ny(1, 30, 0) == dt.timedelta(hours=1)
    assert ordering.readings(ny(0, 30), NY) is None
    assert ordering.readings(ny(2, 30), NY) is None
    assert ordering.readings(ny(1, 30), "UTC") is None
    assert ordering.latest_reading(ny(1, 30), NY) == ny(1, 30, 1)
    assert ordering.latest_reading(ny(0, 30), NY) == ny(0, 30)


def test_the_page_order_puts_a_backward_step_in_the_second_occurrence():
    # page order: 00:50 EDT, 01:10 EDT, 01:50 EDT, 01:05 EST, 01:30 EST, 02:10 EST; parsed as the
    # parser does (the first occurrence for every 01:xx)
    walls = [("a", 0, 50), ("b", 1, 10), ("c", 1, 50), ("d", 1, 5), ("e", 1, 30), ("f", 2, 10)]
    page = [msg(i, ny(h, m)) for i, h, m in walls]
    out = {m.external_id: m for m in arrange(page, NY)}
    assert out["a"].ts == ny(0, 50) and out["a"].ambiguous_time is None
    assert out["b"].ts == ny(1, 10, 0) and out["b"].ambiguous_time == ordering.FIRST_BY_PAGE
    assert out["c"].ts == ny(1, 50, 0) and out["c"].ambiguous_time == ordering.FIRST_BY_PAGE
    assert out["d"].ts == ny(1, 5, 1) and out["d"].ambiguous_time == ordering.SECOND_BY_PAGE
    assert out["e"].ts == ny(1, 30, 1) and out["e"].ambiguous_time == ordering.SECOND_BY_PAGE
    assert out["f"].ts == ny(2, 10) and out["f"].ambiguous_time is None
    assert [m.external_id for m in arrange(page, NY)] == ["a", "b", "c", "d", "e", "f"]


def test_the_same_wall_minute_twice_in_the_repeated_hour():
    # 01:50 EDT then 01:50 EST: the same wall time, nothing goes backwards: the page cannot tell
    # a second sighting of the minute from a second message in it, so both stay first (flagged)
    page = [msg("a", ny(1, 50)), msg("b", ny(1, 50))]
    out = arrange(page, NY)
    assert [(m.ts, m.position, m.ambiguous_time) for m in out] == [
        (ny(1, 50), 0, ordering.FIRST_ASSUMED), (ny(1, 50), 1, ordering.FIRST_ASSUMED)]
    # …but a later wall time going back shows the second occurrence has begun
    out = arrange([msg("a", ny(1, 50)), msg("b", ny(1, 49)), msg("c", ny(1, 50))], NY)
    assert [(m.external_id, m.ts) for m in out] == [("a", ny(1, 50)), ("b", ny(1, 49, 1)), ("c", ny(1, 50, 1))]


def test_without_evidence_the_first_occurrence_is_kept_and_flagged():
    out = arrange([msg("a", ny(0, 30)), msg("b", ny(1, 10)), msg("c", ny(1, 40))], NY)
    assert [m.ts for m in out] == [ny(0, 30), ny(1, 10), ny(1, 40)]
    assert [m.ambiguous_time for m in out] == [None, ordering.FIRST_ASSUMED, ordering.FIRST_ASSUMED]


def test_a_second_reading_in_the_future_is_ruled_out_by_the_clock():
    now = ny(1, 45, 0)  # during the first occurrence: a 01:30 cannot be the second one yet
    out = arrange([msg("a", ny(1, 30))], NY, now=now)
    assert out[0].ts == ny(1, 30, 0) and out[0].ambiguous_time == ordering.FIRST_BY_CLOCK


# --- the history floor ------------------------------------------------------------------------


def test_the_floor_reaches_back_over_the_cursors_whole_minute_and_the_sweep_window():
    cutoff = MINUTE - dt.timedelta(days=30)
    cursor = MINUTE + dt.timedelta(seconds=42)  # a cursor is never trusted inside its minute
    assert history.history_floor(cutoff, cursor) == MINUTE - history.CURSOR_OVERLAP
    since = MINUTE - dt.timedelta(hours=60, seconds=-15)
    assert history.history_floor(cutoff, cursor, since) == history.minute_of(since)
    assert history.history_floor(cutoff, cursor, MINUTE + dt.timedelta(hours=1)) == MINUTE - history.CURSOR_OVERLAP
    assert history.history_floor(cutoff, None, since) == cutoff
