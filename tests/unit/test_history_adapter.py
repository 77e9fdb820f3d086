"""PlaywrightHistoryAdapter against a fake page: one evaluate per scroll cycle, the window it
returns is the next read, the oldest read row anchors the next scroll (no browser)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kenny_wa.browser import history

FIELDS = ["row", "id", "tid"]


def raw(*rows: tuple[str, str], prompt: bool = False) -> dict:
    return {"fields": FIELDS, "rows": [[kind, ident, ""] for kind, ident in rows], "phone_prompt": prompt}


@dataclasses.dataclass
class Parsed:
    ids: list[str]
    phone_prompt: bool
    history_start: bool = False

    @property
    def messages(self) -> list:
        return []


class Reader:
    def js_arg(self) -> dict:
        return {"sel": {}}

    def parse(self, window: dict) -> Parsed:
        return Parsed([r[1] for r in window["rows"]], bool(window.get("phone_prompt")))


class Page:
    """Answers each scroll_read evaluate with the next scripted (outcome, raw window)."""

    def __init__(self, answers: list[tuple[str, dict]], log: list[str]):
        self.answers = answers
        self.args: list[dict] = []
        self.log = log

    def evaluate(self, script: str, arg: dict):
        self.log.append("evaluate" if arg["scroll"] else "resume" if arg["resume"] else "read")
        self.args.append(arg)
        outcome, window, *ahead = self.answers.pop(0)
        result = {"outcome": outcome, "window": json.dumps(window)}
        if arg["ahead"] is not None:
            # the page answers a scroll taken ahead (null when the history start showed)
            result["ahead"] = ahead[0] if ahead else {"signature": f"s{len(self.args)}", "atTop": False}
        return result


class Limiter:
    def __init__(self, log: list[str]):
        self.log = log

    def wait(self) -> None:
        self.log.append("wait")


def adapter(answers: list[tuple], **ahead: bool):
    log: list[str] = []
    page = Page(answers, log)
    a = history.PlaywrightHistoryAdapter(
        page, reader=Reader(), limiter=Limiter(log), nav={"message_scroller": ["#s"]},
        start_selectors=[], start_texts=[], loading_selectors=["#spinner"], stall_attempts=3,
        **ahead,
    )
    return a, page, log


def test_oldest_read_row_skips_shells_and_system_rows():
    window = raw(("shell", "A"), ("other", ""), ("system", "S"), ("msg", "B"), ("msg", "C"))
    assert history.oldest_read_row(window) == "B"
    assert history.oldest_read_row(raw(("shell", "A"), ("other", ""))) is None
    assert history.oldest_read_row({"fields": [], "rows": []}) is None


@pytest.mark.parametrize(("page_says", "outcome"), [("moved", "moved"), ("start", "start"),
                                                   ("stalled", "stalled"), (None, "stalled")])
def test_scroll_outcome(page_says, outcome):
    assert history.scroll_outcome(page_says) == outcome
    assert history.answer({"outcome": page_says, "window": "{}"}) == (outcome, {})


def test_one_evaluate_per_cycle_and_its_window_is_the_next_read():
    a, page, log = adapter([("moved", raw(("msg", "C"))),
                            ("moved", raw(("msg", "B"), ("msg", "C"))),
                            ("start", raw(("msg", "A"), ("msg", "B")))])
    assert a.read_window().ids == ["C"]
    assert a.scroll_older() == "moved"
    assert a.read_window().ids == ["B", "C"]
    assert a.scroll_older() == "start"
    assert a.read_window().ids == ["A", "B"]
    # the first read scrolls nothing, so the rate limiter does not wait for it; it spaces
    # every scroll action: one wait right before each scrolling evaluate
    assert log == ["read", "wait", "evaluate", "wait", "evaluate"]
    assert page.args[0]["scroll"] is None and page.args[0]["settle"]["loading"] == ["#spinner"]


def test_the_oldest_read_row_anchors_the_next_scroll():
    a, page, _ = adapter([("moved", raw(("shell", "X"), ("msg", "C"), ("msg", "D"))),
                          ("moved", raw(("shell", "Y"), ("msg", "B"), ("msg", "C"))),
                          ("moved", raw(("shell", "Z"))),
                          ("moved", raw(("msg", "A")))])
    for _ in range(3):
        a.read_window()
        a.scroll_older()
    anchors = [arg["scroll"]["anchor"] for arg in page.args[1:]]
    # a window without a rendered message row keeps the last anchor
    assert anchors == ["C", "B", "B"]
    assert all(arg["scroll"]["by"] == 0.8 for arg in page.args[1:])


def test_the_phone_prompt_of_the_last_window_goes_with_the_scroll():
    a, page, _ = adapter([("moved", raw(("msg", "B"), prompt=True)),
                          ("stalled", raw(("msg", "B"), prompt=True))])
    a.read_window()
    assert a.scroll_older() == "stalled"
    assert page.args[1]["prompt"] is True
    assert page.args[1]["timeoutMs"] == history.SCROLL_SETTLE_TIMEOUT_MS


def test_without_read_ahead_no_scroll_is_taken_ahead():
    a, page, _ = adapter([("moved", raw(("msg", "C"))), ("moved", raw(("msg", "B")))])
    a.read_window()
    a.scroll_older()
    assert [arg["ahead"] for arg in page.args] == [None, None]
    assert [arg["resume"] for arg in page.args] == [None, None]


def test_read_ahead_takes_the_next_scroll_in_the_same_evaluate_and_then_only_waits():
    a, page, log = adapter([("moved", raw(("msg", "C"))),
                            ("moved", raw(("msg", "B"), ("msg", "C"))),
                            ("start", raw(("msg", "A"), ("msg", "B")), None),
                            ("moved", raw(("msg", "A")))],
                           read_ahead=True, ahead_on_first_read=True)
    assert a.read_window().ids == ["C"]
    assert a.scroll_older() == "moved"
    assert a.read_window().ids == ["B", "C"]
    assert a.scroll_older() == "start"
    a.read_window()
    a.scroll_older()  # the page took no scroll ahead after the start: this one scrolls itself
    # the limiter is only asked for scrolls Python takes itself
    assert log == ["read", "resume", "resume", "wait", "evaluate"]
    assert page.args[1]["resume"] == {"signature": "s1", "atTop": False}
    assert page.args[2]["resume"] == {"signature": "s2", "atTop": False}
    assert all(arg["ahead"] == {"nav": {"message_scroller": ["#s"]}, "by": 0.8, "anchor": arg["ahead"]["anchor"]}
               for arg in page.args)
    assert page.args[3]["resume"] is None and page.args[3]["scroll"]["anchor"] == "A"


def test_read_ahead_can_leave_a_chats_first_read_alone():
    a, page, log = adapter([("moved", raw(("msg", "C"))), ("moved", raw(("msg", "B"))),
                            ("moved", raw(("msg", "A")))],
                           read_ahead=True, ahead_on_first_read=False)
    a.read_window()
    a.scroll_older()
    a.read_window()
    a.scroll_older()
    assert page.args[0]["ahead"] is None
    assert log == ["read", "wait", "evaluate", "resume"]
    assert page.args[2]["resume"] == {"signature": "s2", "atTop": False}


def test_the_phone_prompt_goes_with_a_resumed_wait_too():
    a, page, _ = adapter([("moved", raw(("msg", "B"), prompt=True), {"signature": "s", "atTop": True}),
                          ("stalled", raw(("msg", "B"), prompt=True))],
                         read_ahead=True, ahead_on_first_read=True)
    a.read_window()
    assert a.scroll_older() == "stalled"
    assert page.args[1]["prompt"] is True and page.args[1]["resume"]["atTop"] is True
