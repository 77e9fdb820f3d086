"""The pure halves of PlaywrightHistoryAdapter: which read row anchors the next scroll and how
the page's answer is read. The adapter itself, with page_js/scroll_read.js in a real page, is
tests/e2e/test_scroll_read.py."""

from __future__ import annotations

import pytest

from kenny_wa.browser import history

FIELDS = ["row", "id", "tid"]


def raw(*rows: tuple[str, str], prompt: bool = False) -> dict:
    return {"fields": FIELDS, "rows": [[kind, ident, ""] for kind, ident in rows], "phone_prompt": prompt}


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
