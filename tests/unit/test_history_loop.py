"""The history scroll loop, driven by scripted in-memory windows (no browser)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kenny_wa import ordering
from kenny_wa.browser import history
from kenny_wa.browser.ratelimit import RateLimiter
from kenny_wa.model import MediaRef, Message

NOW = dt.datetime(2026, 9, 20, 12, 0, tzinfo=dt.UTC)
CUTOFF = NOW - dt.timedelta(days=30)


def msg(n: int, ts: dt.datetime, text: str | None = "x", **extra) -> Message:
    return Message(
        external_id=f"ID{n:04d}",
        chat_id="123@c.us",
        ts=ts,
        is_outgoing=False,
        sender="s",
        text=text,
        kind="text",
        raw_data_id=f"ID{n:04d}",
        era="p6",
        **extra,
    )


@dataclasses.dataclass
class W:
    messages: list[Message]
    history_start: bool = False
    phone_prompt: bool = False


class Scripted:
    """Windows returned in order; scroll_older moves to the next one (or stalls at the end)."""

    def __init__(self, windows: list[W], *, stall_attempts: int = 3, max_cycles: int = 100):
        self.windows = windows
        self.index = 0
        self.stall_attempts = stall_attempts
        self.max_cycles = max_cycles
        self.reads = 0
        self.scrolls = 0

    def read_window(self) -> W:
        self.reads += 1
        return self.windows[self.index]

    def scroll_older(self) -> str:
        self.scrolls += 1
        if self.index + 1 < len(self.windows):
            self.index += 1
            return "start" if self.windows[self.index].history_start else "moved"
        return "stalled"


def days_ago(d: float) -> dt.datetime:
    return NOW - dt.timedelta(days=d)


def test_reaches_cutoff_and_drops_older():
    windows = [
        W([msg(3, days_ago(1)), msg(4, days_ago(0.5))]),
        W([msg(2, days_ago(20)), msg(3, days_ago(1))]),
        W([msg(1, days_ago(40)), msg(2, days_ago(20))]),
        W([msg(0, days_ago(50))]),  # never needed
    ]
    adapter = Scripted(windows)
    result = history.load_history(adapter, cutoff=CUTOFF)
    assert result.complete and result.stop == "floor"
    assert [m.external_id for m in result.messages] == ["ID0002", "ID0003", "ID0004"]
    assert adapter.reads == 3 and adapter.scrolls == 2


def test_phone_prompt_is_partial():
    windows = [W([msg(2, days_ago(1))]), W([msg(1, days_ago(5))], phone_prompt=True)]
    result = history.load_history(Scripted(windows), cutoff=CUTOFF)
    assert not result.complete and result.partial_reason == "phone_prompt"
    assert [m.external_id for m in result.messages] == ["ID0001", "ID0002"]


def test_history_start_is_complete():
    windows = [W([msg(2, days_ago(1))]), W([msg(1, days_ago(5))], history_start=True)]
    result = history.load_history(Scripted(windows), cutoff=CUTOFF)
    assert result.complete and result.partial_reason is None and result.stop == "history_start"
    assert len(result.messages) == 2


def test_empty_chat_with_history_start_is_complete():
    result = history.load_history(Scripted([W([], history_start=True)]), cutoff=CUTOFF)
    assert result.complete and result.messages == []


def test_stalls_after_n_attempts():
    windows = [W([msg(2, days_ago(1))]), W([msg(1, days_ago(5))])]
    adapter = Scripted(windows, stall_attempts=3)
    result = history.load_history(adapter, cutoff=CUTOFF)
    assert not result.complete and result.partial_reason == "stalled"
    assert len(result.messages) == 2
    # 1 productive scroll, then 3 scrolls with no new ids
    assert adapter.scrolls == 4


def test_progress_resets_the_stall_count():
    windows = [W([msg(9, days_ago(1))])]
    for n in range(8, 0, -1):
        windows += [W([msg(n, days_ago(10 - n))])] * 2  # each step needs 2 scrolls
    adapter = Scripted(windows, stall_attempts=2, max_cycles=1000)
    # make every second window a repeat of the one before: one stall, then progress
    result = history.load_history(adapter, cutoff=CUTOFF)
    assert result.partial_reason == "stalled"
    assert len(result.messages) == 9


def test_incremental_stops_at_cursor_minus_overlap():
    cursor = days_ago(2)
    windows = [
        W([msg(5, days_ago(0.1))]),
        W([msg(4, cursor + dt.timedelta(minutes=1)), msg(3, cursor)]),
        W([msg(2, cursor - dt.timedelta(minutes=1)), msg(1, cursor - dt.timedelta(minutes=3))]),
        W([msg(0, days_ago(10))]),
    ]
    adapter = Scripted(windows)
    result = history.load_history(adapter, cutoff=CUTOFF, cursor_ts=cursor)
    assert result.complete and result.stop == "floor"
    assert [m.external_id for m in result.messages] == ["ID0002", "ID0003", "ID0004", "ID0005"]
    assert adapter.reads == 3


def test_cycle_cap_is_partial():
    windows = [W([msg(n, days_ago(1 + n / 100))]) for n in range(50)]
    result = history.load_history(Scripted(windows, max_cycles=5), cutoff=CUTOFF)
    assert result.partial_reason == "cycle_cap" and result.windows == 5


def test_merge_keeps_richer_data():
    thin = msg(1, days_ago(1), text="he", media=MediaRef(kind="image"))
    rich = msg(1, days_ago(1), text="hello", media=MediaRef(kind="image", blob_url="blob:x/1"),
               reactions=("👍",))
    later_thin = msg(1, days_ago(1), text=None, media=MediaRef(kind="image"))
    windows = [W([thin]), W([rich]), W([later_thin], history_start=True)]
    result = history.load_history(Scripted(windows), cutoff=CUTOFF)
    (only,) = result.messages
    assert only.text == "hello"
    assert only.media.blob_url == "blob:x/1"
    assert only.reactions == ("👍",)


def test_floor_uses_cutoff_when_cursor_is_older():
    assert history.history_floor(CUTOFF, CUTOFF - dt.timedelta(days=3)) == CUTOFF
    later = CUTOFF + dt.timedelta(days=3)
    assert history.history_floor(CUTOFF, later) == later - history.CURSOR_OVERLAP


class FakeClock:
    def __init__(self):
        self.t = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def test_rate_limiter_spaces_actions_with_jitter():
    fake = FakeClock()
    limiter = RateLimiter(1000, clock=fake.clock, sleep=fake.sleep, rand=lambda: 1.0)
    limiter.wait()  # first action: no wait
    assert fake.sleeps == []
    fake.t += 0.2
    limiter.wait()
    assert fake.sleeps == [pytest.approx(1.3)]  # 1.5 s interval (50 % jitter) - 0.2 s elapsed
    fake.t += 5
    limiter.wait()  # already due
    assert len(fake.sleeps) == 1


def test_rate_limiter_zero_is_off():
    fake = FakeClock()
    limiter = RateLimiter(0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        limiter.wait()
    assert fake.sleeps == []


def test_rate_limiter_without_jitter():
    fake = FakeClock()
    limiter = RateLimiter(500, clock=fake.clock, sleep=fake.sleep, rand=lambda: 0.0)
    limiter.wait()
    limiter.wait()
    assert fake.sleeps == [pytest.approx(0.5)]


def test_phone_prompt_waits_for_rows_still_rendering_above():
    # the prompt appears with the last chunk, before all of that chunk's rows were read
    windows = [
        W([msg(3, days_ago(1))]),
        W([msg(2, days_ago(5))], phone_prompt=True),
        W([msg(1, days_ago(6))], phone_prompt=True),
    ]
    adapter = Scripted(windows)
    result = history.load_history(adapter, cutoff=CUTOFF)
    assert result.partial_reason == "phone_prompt"
    assert [m.external_id for m in result.messages] == ["ID0001", "ID0002", "ID0003"]


def test_phone_prompt_while_scrolls_still_move_is_partial_at_the_prompt_not_stalled():
    """The view still moves (lazily rendered rows) but nothing new appears under the prompt."""
    prompt = W([msg(1, days_ago(5))], phone_prompt=True)
    windows = [W([msg(2, days_ago(1))]), prompt, prompt, prompt, prompt, prompt]
    adapter = Scripted(windows, stall_attempts=3)
    result = history.load_history(adapter, cutoff=CUTOFF)
    assert result.partial_reason == "phone_prompt" and result.stop == "phone_prompt"
    assert adapter.scrolls == 3  # to the prompt, then two scrolls that bring nothing new


def test_a_message_taller_than_many_viewports_is_scrolled_through():
    """Scrolls that still move the view are progress, even without a new id for a while."""
    tall = W([msg(2, days_ago(1))])
    windows = [tall] * 20 + [W([msg(1, days_ago(40)), msg(2, days_ago(1))])]
    result = history.load_history(Scripted(windows, stall_attempts=3), cutoff=CUTOFF)
    assert result.complete and result.stop == "floor"


def test_a_view_that_moves_forever_without_new_rows_still_stalls():
    windows = [W([msg(1, days_ago(1))])] * (history.MAX_IDLE_MOVES + 10)
    adapter = Scripted(windows, stall_attempts=3, max_cycles=1000)
    result = history.load_history(adapter, cutoff=CUTOFF)
    assert result.stop == "stalled" and adapter.scrolls == history.MAX_IDLE_MOVES


@pytest.mark.parametrize(("windows", "expected"), [
    ([["C", "D", "E"], ["A", "B", "C", "D"]], ["A", "B", "C", "D", "E"]),  # scrolled up: prepended
    ([["C", "D"], ["A", "B"]], ["C", "D", "A", "B"]),  # no overlap: placed after what is known
    ([["A", "C"], ["A", "B", "C"]], ["A", "B", "C"]),  # a row rendered late lands in its place
    ([["A", "B"], ["A", "B"]], ["A", "B"]),
])
def test_page_order_merges_overlapping_windows(windows, expected):
    order = ordering.PageOrder()
    for ids in windows:
        order.add(ids)
    assert order.ids == expected


def test_load_history_keeps_the_page_order_of_every_window():
    t = NOW - dt.timedelta(days=1)
    newest = W([msg(3, t + dt.timedelta(minutes=3)), msg(4, t + dt.timedelta(minutes=4))])
    older = W([msg(1, t), msg(2, t + dt.timedelta(minutes=1)), msg(3, t + dt.timedelta(minutes=3))],
              history_start=True)
    result = history.load_history(Scripted([newest, older]), cutoff=CUTOFF)
    assert result.page_order == ["ID0001", "ID0002", "ID0003", "ID0004"]
def test_a_second_occurrence_below_the_cursor_reading_is_not_taken_for_old_history():
    # America/New_York 2026-11-01: the cursor is 01:50 EDT; since then 01:05 EST and 01:20 EST
    # arrived. Parsed (first occurrence), 01:05 looks older than the cursor: the loader must
    # neither stop on it nor drop it.
    zone = ordering._zone("America/New_York")

    def ny(hour: int, minute: int, fold: int = 0) -> dt.datetime:
        return dt.datetime(2026, 11, 1, hour, minute, fold=fold, tzinfo=zone).astimezone(dt.UTC)

    new1, new2, cur, old = msg(3, ny(1, 5)), msg(4, ny(1, 20)), msg(2, ny(1, 50)), msg(1, ny(0, 40))
    windows = [W([new1, new2]), W([cur, new1]), W([old, cur])]
    result = history.load_history(Scripted(windows), cutoff=ny(0, 0) - dt.timedelta(days=30),
                                  cursor_ts=ny(1, 50), timezone="America/New_York")
    assert result.complete and result.stop == "floor"
    assert [(m.external_id, m.ts) for m in result.messages] == [
        ("ID0002", ny(1, 50, 0)), ("ID0003", ny(1, 5, 1)), ("ID0004", ny(1, 20, 1))]
    assert [m.ambiguous_time for m in result.messages] == [
        ordering.FIRST_BY_PAGE, ordering.SECOND_BY_PAGE, ordering.SECOND_BY_PAGE]
