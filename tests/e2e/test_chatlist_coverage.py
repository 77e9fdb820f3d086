"""page_js/read_chatlist.js's ``covered`` in real Chromium: a window counts as rendered only
when the rows reach both edges of the part of the view the list occupies."""

from __future__ import annotations

import pytest
from navhelpers import bare_page

from kenny_wa.browser import pagejs
from kenny_wa.browser.auth import js_arg

pytestmark = pytest.mark.e2e
ROW_H = 72
LIST_H = 40 * ROW_H  # a 40-chat list in a 400 px pane
HEADER_H = 72  # something above the list inside the pane (like the replica's), one row tall


@pytest.fixture(scope="module")
def page():
    with bare_page(viewport={"width": 800, "height": 600}) as pg:
        yield pg


def show(page, *, scroll: int, rendered: range, grid: bool) -> bool:
    """A virtualised list scrolled to ``scroll`` with only the rows in ``rendered`` in the DOM."""
    rows = "".join(
        f'<div role="row" style="position:absolute;top:{i * ROW_H}px;height:{ROW_H}px;width:100%">'
        f'<div role="gridcell"><span title="Chat {i}">Chat {i}</span></div></div>'
        for i in rendered
    )
    attrs = 'role="grid" aria-rowcount="40"' if grid else 'class="list"'
    page.set_content(
        '<div id="pane-side" style="position:absolute;top:100px;height:400px;width:300px;overflow:auto">'
        f'<div style="height:{HEADER_H}px">header</div>'
        f'<div {attrs} style="position:relative;height:{LIST_H}px">{rows}</div></div>'
    )
    page.evaluate("(y) => { document.getElementById('pane-side').scrollTop = y; }", scroll)
    return page.evaluate(pagejs.call("read_chatlist"), js_arg())["covered"]


END = HEADER_H + LIST_H - 400


@pytest.mark.parametrize("grid", [True, False], ids=["grid", "no-grid"])
@pytest.mark.parametrize(("scroll", "rendered", "covered"), [
    (0, range(0, 10), True),  # the top, rendered (below the header)
    (0, range(3, 13), False),  # just jumped to the top: the old rows sit low, the top is empty
    (1000, range(10, 24), True),  # the middle, rows overscanned on both sides
    (1000, range(15, 24), False),  # the view's top not rendered yet
    (1000, range(10, 18), False),  # the view's bottom not rendered yet
    (END, range(30, 40), True),  # the end, rendered
])
def test_covered_needs_rows_at_both_edges_of_the_view(page, grid, scroll, rendered, covered):
    assert show(page, scroll=scroll, rendered=rendered, grid=grid) is covered


@pytest.mark.parametrize("grid", [True, False], ids=["grid", "no-grid"])
def test_at_the_end_rows_that_stop_short_of_the_list_are_not_covered(page, grid):
    # just jumped to the end: the old rows sit high; only the list's box tells the end is empty
    assert show(page, scroll=END, rendered=range(28, 38), grid=grid) is False
