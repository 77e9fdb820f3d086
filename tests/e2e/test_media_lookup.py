"""page_js/find_blob_urls.js in real headless Chromium: an image that will get no blob: URL
(download button, failed <img>) is final at once; one that is merely slow is waited for."""

from __future__ import annotations

import pytest
from navhelpers import bare_page

from kenny_wa.browser import media_fetch, pagejs, selectors

pytestmark = pytest.mark.e2e

PAGE = """<div id="main">
  <div data-id="false_1@c.us_READY"><div data-testid="image-thumb"><img src="{blob}"></div></div>
  <div data-id="false_1@c.us_DOWNLOAD"><div data-testid="image-thumb">
    <span data-testid="media-state-download"><span data-icon="media-download"></span></span></div></div>
  <div data-id="false_1@c.us_BROKEN"><div data-testid="image-thumb">
    <img id="broken" src="data:image/png;base64,AAAA"></div></div>
  <div data-id="false_1@c.us_SLOW"><div data-testid="image-thumb"></div></div>
  <div data-id="false_1@c.us_AVATAR"><img src="data:image/png;base64,AAAA">
    <div data-testid="image-thumb"></div></div>
</div>"""
IDS = ["READY", "DOWNLOAD", "BROKEN", "SLOW", "AVATAR"]


@pytest.fixture
def page():
    with bare_page() as pg:
        blob = pg.evaluate("() => URL.createObjectURL(new Blob(['x'], {type: 'image/png'}))")
        pg.set_content(PAGE.format(blob=blob))
        pg.wait_for_function("() => document.getElementById('broken').complete")
        yield pg


def lookup() -> media_fetch.Lookup:
    roles = selectors.profile("auto").roles
    return media_fetch.Lookup(list(roles["blob_img"]), list(roles["media_download"]), list(roles["image"]))


def predicate(page, ids, need=None):
    return page.evaluate(pagejs.call("find_blob_urls"), lookup().arg(ids, need=need, wait=True))


def test_download_button_and_failed_img_are_final_without_a_url(page):
    assert predicate(page, ["READY", "DOWNLOAD", "BROKEN"]) == {
        "READY": page.evaluate("() => document.querySelector('img[src^=blob]').src"),
        "DOWNLOAD": None,
        "BROKEN": None,
    }


def test_a_slow_image_is_still_waited_for(page):
    # no URL and nothing final yet: the wait goes on (a failed avatar outside the box is no sign)
    assert predicate(page, ["SLOW"]) is False
    assert predicate(page, ["AVATAR"]) is False
    # only the revealed row is needed; the others come along when the view rendered them
    assert predicate(page, IDS, need=["DOWNLOAD"])["READY"].startswith("blob:")
    page.evaluate("""() => {
      const img = document.createElement('img');
      img.src = document.querySelector('img[src^=blob]').src;
      document.querySelector('[data-id$=_SLOW] [data-testid=image-thumb]').append(img);
    }""")
    got = media_fetch._lookup(page, lookup().arg(IDS, need=["SLOW"], wait=True), wait=True)
    assert set(got) == {"READY", "SLOW"} and got["SLOW"].startswith("blob:")


class CountingPage:
    def __init__(self, page):
        self.page, self.calls = page, 0

    def evaluate(self, script, arg):
        self.calls += 1
        return self.page.evaluate(script, arg)


@pytest.mark.parametrize(("budget", "calls"), [(media_fetch.BATCH_BYTES, 1), (2_500, 3), (1, 4)])
def test_blobs_are_fetched_as_many_per_evaluate_as_the_budget_allows(page, budget, calls):
    sizes = {"A": 1_000, "B": 1_000, "C": 2_000, "BIG": 5_000, "D": 1_000}
    urls = page.evaluate("""(sizes) => Object.fromEntries(Object.entries(sizes).map(([k, n]) =>
        [k, URL.createObjectURL(new Blob([new Uint8Array(n).fill(k.charCodeAt(0))]))]))""", sizes)
    # budget 1: one image per call, but a refused one (over the cap) costs no bytes
    counting = CountingPage(page)
    got = media_fetch.fetch_blobs(counting, list(urls.items()), max_bytes=4_000, budget=budget)
    assert counting.calls == calls
    assert set(got) == set(sizes)
    assert got["BIG"].reason == "over_size_cap"  # over the cap: answered without its bytes
    for key in ("A", "B", "C", "D"):
        assert got[key].data == bytes([ord(key[0])]) * sizes[key]
