"""Chat-list collection by identity, header checks and the incremental open rule (pure)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from kenny_wa.browser import chatlist, listtime, scrape
from kenny_wa.config import Settings

NOW = dt.datetime(2026, 9, 20, 12, 0, tzinfo=dt.UTC)
SETTINGS = Settings(browser_locale="en-GB", browser_timezone="UTC")
CUTOFF = NOW - dt.timedelta(days=30)


def raw(title, time, *, id=None, kind="chat", pinned=False, archived=False, group=False):
    return {"kind": kind, "id": id, "title": title, "time": time, "unread": 0, "group": group,
            "pinned": pinned, "archived": archived, "top": 0, "x": 1, "y": 1, "h": 72}


def rows(*raws):
    return [r for r, _ in chatlist.rows_from_window({"rows": list(raws)}, now=NOW, settings=SETTINGS)]


def test_rows_identity_and_fallback():
    got = rows(
        raw("\u202aAna\u202c", "11:02", id="351912345678@s.whatsapp.net"),
        raw("Team", "Yesterday", id="1203630@g.us"),
        raw("No Id", "01/09/2026"),
        raw("Archived", None, kind="other"),
        raw("Old archived", "11:00", archived=True),
    )
    assert [r.chat.chat_id for r in got] == ["351912345678@c.us", "1203630@g.us", "title:No Id"]
    assert [r.chat.id_source for r in got] == ["fiber", "fiber", "title"]
    assert got[0].chat.title == "Ana"
    assert got[1].chat.is_group and not got[0].chat.is_group
    assert got[0].chat.last_activity == NOW.replace(hour=11, minute=2)


def test_badge_marker_and_the_archived_view():
    counted = {**raw("Ana", "11:02", id="1@c.us"), "unread": 4}
    marked = {**raw("Bo", "11:01", id="2@c.us"), "marked": True}
    plain = raw("Cy", "11:00", id="3@c.us")
    got = rows(counted, marked, plain)
    assert [(r.unread, r.marked_unread, r.badged) for r in got] == [
        (4, False, True), (0, True, True), (0, False, False)]
    assert not any(r.chat.archived for r in got)
    window = {"rows": [counted, plain]}
    archived = [r for r, _ in chatlist.rows_from_window(window, now=NOW, settings=SETTINGS, archived=True)]
    assert [r.chat.archived for r in archived] == [True, True]


def test_collect_dedupes_and_stops_at_cutoff_but_not_for_pinned():
    seen: dict = {}
    first = rows(raw("Pinned old", "01/01/2026", id="1@c.us", pinned=True), raw("A", "11:00", id="2@c.us"))
    assert not chatlist.collect(first, seen, CUTOFF)
    again = rows(raw("A", "11:00", id="2@c.us"), raw("B", "Monday", id="3@c.us"),
                 raw("C", "01/08/2026", id="4@c.us"), raw("D", "30/07/2026", id="5@c.us"))
    assert chatlist.collect(again, seen, CUTOFF)
    assert list(seen) == ["2@c.us", "3@c.us"]


def test_list_dates_are_read_in_the_order_the_list_shows_not_the_locale():
    from kenny_wa import dates

    # the setting says month first (en-US); the list's own "25/08/2026" says day first
    us = Settings(browser_locale="en-US", browser_timezone="UTC")
    page = dates.PageDates()
    alone = chatlist.rows_from_window({"rows": [raw("A", "03/09/2026", id="1@c.us")]},
                                      now=NOW, settings=us, page_dates=page)
    assert alone[0][0].list_time is None  # 3 September or 9 March: undecided, so opened
    later = chatlist.rows_from_window({"rows": [raw("B", "25/08/2026", id="2@c.us")]},
                                      now=NOW, settings=us, page_dates=page)
    assert later[0][0].list_time.day == dt.date(2026, 8, 25) and page.order == "DMY"
    again = chatlist.with_list_time(alone[0][0], now=NOW, settings=us, order=page.order)
    assert again.list_time.day == dt.date(2026, 9, 3)
    assert again.chat.last_activity == again.list_time.value


def test_list_out_of_chronology_decides_nothing():
    from kenny_wa import dates

    page = dates.PageDates()
    got = chatlist.rows_from_window({"rows": [raw("A", "10:00", id="1@c.us"), raw("B", "03/09/2026", id="2@c.us"),
                                              raw("C", "11:00", id="3@c.us")]},
                                    now=NOW, settings=SETTINGS, page_dates=page)
    assert page.order is None and got[1][0].list_time is None


def test_header_matches_by_id_then_title():
    (row,) = rows(raw("Ana", "11:02", id="351@c.us"))
    assert chatlist.header_matches({"title": "Someone else", "id": "351@c.us"}, row)
    assert not chatlist.header_matches({"title": "Ana", "id": "999@c.us"}, row)
    (fallback,) = rows(raw("Ana", "11:02"))
    assert chatlist.header_matches({"title": "\u202aAna\u202c", "id": None}, fallback)
    assert not chatlist.header_matches({"title": "Anabel", "id": None}, fallback)
    assert not chatlist.header_matches(None, fallback)


def test_participants_from_subtitle():
    assert chatlist.participants_from_subtitle("Ana Lima, +55 11 91234-5678, You") == (
        "Ana Lima", "+55 11 91234-5678")
    assert chatlist.participants_from_subtitle("Bia, Você") == ("Bia",)
    assert chatlist.participants_from_subtitle("click here for group info") == ()
    assert chatlist.participants_from_subtitle(None) == ()


@dataclasses.dataclass
class Cursor:
    newest_ts: dt.datetime | None
    complete: bool = True
    newest_external_id: str | None = None
    last_activity: dt.datetime | None = None
    read_at: dt.datetime | None = None
    partial_reason: str | None = None


def test_needs_open():
    (today,) = rows(raw("A", "11:02", id="1@c.us"))
    (yesterday,) = rows(raw("B", "Yesterday", id="2@c.us"))
    assert scrape.needs_open(today, None)
    assert scrape.needs_open(today, Cursor(NOW.replace(hour=10), complete=False))
    assert scrape.needs_open(today, Cursor(NOW.replace(hour=11, minute=1, second=30)))
    later = NOW.replace(hour=11, minute=5)  # read after the list's minute was over
    assert not scrape.needs_open(today, Cursor(NOW.replace(hour=11, minute=2, second=40), read_at=later))
    assert not scrape.needs_open(today, Cursor(NOW.replace(hour=11, minute=3), read_at=later))
    assert scrape.needs_open(yesterday, Cursor(NOW - dt.timedelta(days=3)))
    assert not scrape.needs_open(yesterday, Cursor(NOW.replace(day=19, hour=9), read_at=NOW))
    assert scrape.needs_open(yesterday, Cursor(None))
    unparsed = dataclasses.replace(today, list_time=None)
    assert scrape.needs_open(unparsed, Cursor(NOW))


def test_list_time_local_day():
    lt = listtime.parse_list_time("Yesterday", now=NOW, tz="America/Sao_Paulo")
    assert lt.local_day_of(dt.datetime(2026, 9, 20, 2, 0, tzinfo=dt.UTC)) == dt.date(2026, 9, 19)


def test_a_chat_stopped_at_the_phone_prompt_is_settled_but_still_partial():
    (today,) = rows(raw("A", "11:02", id="1@c.us"))
    newest = NOW.replace(hour=11, minute=2, second=0)
    read = NOW  # read long after the minute of its newest message
    prompt = Cursor(newest, complete=False, read_at=read, partial_reason="phone_prompt")
    stalled = Cursor(newest, complete=False, read_at=read, partial_reason="stalled")
    assert scrape.is_settled(prompt) and not scrape.needs_open(today, prompt)
    assert scrape.known_partial(prompt) == "phone_prompt"
    assert not scrape.is_settled(stalled) and scrape.needs_open(today, stalled)  # retried
    assert scrape.known_partial(stalled) is None
    assert scrape.known_partial(Cursor(newest)) is None



def test_settled_messages_adds_the_late_reads_at_or_after_the_floor():
    from kenny_wa.model import Message

    def m(ident: str, minutes: int) -> Message:
        return Message(external_id=ident, chat_id="1@c.us", ts=NOW - dt.timedelta(minutes=minutes),
                       is_outgoing=False, sender="s", text="x", kind="text", raw_data_id=ident, era="p6")

    floor = NOW - dt.timedelta(minutes=30)
    got = scrape.settled_messages([m("B", 20)], [m("A", 25), m("B", 20), m("OLD", 40)], floor,
                                  ["OLD", "A", "B"], timezone="UTC", now=NOW)
    assert [x.external_id for x in got] == ["A", "B"]
    assert [x.position for x in got] == [0, 0]


def test_settled_messages_keep_the_page_order_within_a_minute():
    from kenny_wa.model import Message

    def m(ident: str) -> Message:
        return Message(external_id=ident, chat_id="1@c.us", ts=NOW - dt.timedelta(minutes=5),
                       is_outgoing=False, sender="s", text="x", kind="text", raw_data_id=ident, era="p6")

    got = scrape.settled_messages([m("Z")], [m("Y"), m("X")], NOW - dt.timedelta(minutes=30),
                                  ["Z", "X", "Y"], timezone="UTC", now=NOW)
    assert [(x.external_id, x.position) for x in got] == [("Z", 0), ("X", 1), ("Y", 2)]
def test_the_cursors_minute_is_maybe_newer_until_a_read_began_after_it():
    (today,) = rows(raw("A", "11:02", id="1@c.us"))
    newest = NOW.replace(hour=11, minute=2, second=0)
    grace = scrape.MINUTE_GRACE
    # never read after the minute (read_at unknown, or during the minute): opened again
    assert scrape.needs_open(today, Cursor(newest))
    assert scrape.needs_open(today, Cursor(newest, read_at=newest + dt.timedelta(seconds=30)))
    # a read that began after the minute ended, plus the grace for clock drift: trusted
    end = newest + dt.timedelta(minutes=1)
    assert scrape.needs_open(today, Cursor(newest, read_at=end + grace - dt.timedelta(seconds=1)))
    assert not scrape.needs_open(today, Cursor(newest, read_at=end + grace))


def test_a_day_label_equal_to_the_cursors_day_is_maybe_newer_until_read_the_next_day():
    (yesterday,) = rows(raw("B", "Yesterday", id="2@c.us"))
    newest = NOW.replace(day=19, hour=23, minute=50)
    assert scrape.needs_open(yesterday, Cursor(newest, read_at=NOW.replace(day=19, hour=23, minute=55)))
    assert not scrape.needs_open(yesterday, Cursor(newest, read_at=NOW.replace(day=20, hour=0, minute=5)))


def plans_for(listed, cursors, rereads=None):
    """The chats a run opens, each with its plan (scrape.open_plan per listed row)."""
    rereads = rereads or scrape.Rereads()
    plans = {row.chat.chat_id: scrape.open_plan(row, cursors.get(row.chat.chat_id), rereads) for row in listed}
    return {chat_id: plan for chat_id, plan in plans.items() if plan is not None}


def test_open_plan_plans_new_maybe_newer_sweep_and_retry():
    got = rows(
        raw("New", "11:30", id="1@c.us"),
        raw("Quiet", "11:02", id="2@c.us"),
        raw("Busy", "11:40", id="3@c.us"),
        raw("Old", "13/09/2026", id="4@c.us"),  # a day > 12: the page's date order is known
        raw("Image", "10:00", id="5@c.us"),
    )
    read = NOW  # every cursor read long after its minute
    cursors = {
        "2@c.us": Cursor(NOW.replace(hour=11, minute=2), read_at=read),
        "3@c.us": Cursor(NOW.replace(hour=11, minute=1), read_at=read),
        "4@c.us": Cursor(dt.datetime(2026, 9, 13, 9, 0, tzinfo=dt.UTC), read_at=read),
        "5@c.us": Cursor(NOW.replace(hour=10, minute=0), read_at=read, complete=False, partial_reason="phone_prompt"),
    }
    plain = plans_for(got, cursors)
    assert {k: p.reason for k, p in plain.items()} == {"1@c.us": "new", "3@c.us": "maybe_newer"}
    assert all(p.reread_since is None for p in plain.values())
    since = NOW - dt.timedelta(hours=60)
    image_at = dt.datetime(2026, 9, 2, 8, 0, tzinfo=dt.UTC)  # older than the window: its own floor
    rereads = scrape.Rereads(sweep_since=since, retry_since={"5@c.us": image_at})
    plans = plans_for(got, cursors, rereads)
    assert {k: p.reason for k, p in plans.items()} == {
        "1@c.us": "new", "2@c.us": "sweep", "3@c.us": "maybe_newer", "5@c.us": "retry"}
    assert plans["2@c.us"].reread_since == since and plans["3@c.us"].reread_since == since
    assert plans["5@c.us"].reread_since == image_at  # a phone-prompt chat is retried anyway
    assert "4@c.us" not in plans  # quiet for longer than the window


def test_the_sweep_goes_by_the_cursors_exact_time_not_the_lists_whole_day():
    # the list shows "Yesterday" for a chat last active yesterday morning: the day's
    # end is inside a 20-hour window, the chat's newest message (the cursor's) is not
    (row,) = rows(raw("Quiet", "Yesterday", id="2@c.us"))
    since = NOW - dt.timedelta(hours=20)
    morning = (NOW - dt.timedelta(days=1)).replace(hour=6, minute=0)
    evening = (NOW - dt.timedelta(days=1)).replace(hour=23, minute=50)
    assert morning < since < evening
    rereads = scrape.Rereads(sweep_since=since)
    assert scrape.open_plan(row, Cursor(morning, read_at=NOW), rereads) is None
    assert scrape.open_plan(row, Cursor(evening, read_at=NOW), rereads).reason == "sweep"


def test_a_list_time_in_the_repeated_hour_may_mean_its_later_occurrence():
    ny = "America/New_York"
    settings = Settings(browser_locale="en-US", browser_timezone=ny)
    now = dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC)  # 02:30 EST, after the repeated hour
    ((row, _),) = chatlist.rows_from_window({"rows": [raw("A", "1:06 AM", id="1@c.us")]}, now=now, settings=settings)
    cursor_est = dt.datetime(2026, 11, 1, 6, 5, tzinfo=dt.UTC)  # 01:05 EST, the second occurrence
    # the label reads as 01:06 EDT (05:06 UTC), older than the cursor: its later reading is newer
    assert scrape.needs_open(row, Cursor(cursor_est, read_at=now))
    first_pass = dt.datetime(2026, 11, 1, 5, 6, tzinfo=dt.UTC)  # the same label, the cursor in EDT
    assert scrape.needs_open(row, Cursor(first_pass, read_at=now))  # cannot tell: opened
    after = dt.datetime(2026, 11, 1, 6, 6, tzinfo=dt.UTC)  # 01:06 EST stored, read long after
    assert not scrape.needs_open(row, Cursor(after, read_at=now))
