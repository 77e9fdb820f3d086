"""The real extractor in real headless Chromium on hand-written P6/P5/P4 fixtures."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kenny_wa import errors, extract_html, parse
from kenny_wa.browser import extract, selectors

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"
NOW = dt.datetime(2026, 9, 18, 16, 0, tzinfo=dt.UTC)  # a Friday
CHROMIUM = "/usr/bin/chromium"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def run(name: str, locale: str, tz: str, title: str) -> extract.WindowResult:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    return extract_html.extract_html_window(
        FIXTURES / name, locale=locale, timezone=tz, now=NOW, chat_title=title
    )


def table(window: extract.WindowResult) -> list[tuple]:
    return [(m.external_id, m.is_outgoing, m.sender, m.ts, m.kind, m.text) for m in window.messages]


def test_p6_direct_every_row() -> None:
    w = run("p6_direct.html", "en-US", "America/New_York", "Lena Fischer")
    assert w.profile == "p6"
    assert w.history_start and not w.phone_prompt and not w.loading
    assert table(w) == [
        ("3A5C0FFEE11D0000AAAA", False, "Lena Fischer", utc(2026, 9, 12, 13, 41), "text",
         "Morning! ☀️\nAre we still on for Sunday?"),
        ("3A5C0FFEE11D0000AAAB", False, "Lena Fischer", utc(2026, 9, 12, 13, 42), "text",
         "Route is here: https://example.org/trails/ridge-loop"),
        ("ACE0000000000000000000000000B001", True, "Sam Carter", utc(2026, 9, 16, 0, 5), "text",
         "Yes! 10am at the north gate."),
        ("ACE0000000000000000000000000B002", True, "Sam Carter", utc(2026, 9, 16, 0, 6), "voice", None),
        ("ACE0000000000000000000000000B003", True, "Sam Carter", utc(2026, 9, 16, 0, 7), "sticker", None),
        ("3A5C0FFEE11D0000AAAC", False, "Lena Fischer", utc(2026, 9, 17, 22, 30), "image",
         "View from the top"),
        ("3A5C0FFEE11D0000AAAD", False, "Lena Fischer", utc(2026, 9, 17, 22, 31), "video", None),
        ("3A5C0FFEE11D0000AAAE", False, "Lena Fischer", utc(2026, 9, 17, 22, 32), "gif", None),
        ("3A5C0FFEE11D0000AAAF", False, "Lena Fischer", utc(2026, 9, 17, 22, 40), "deleted", None),
        ("3A5C0FFEE11D0000AAB0", False, "Lena Fischer", utc(2026, 9, 18, 15, 15), "text",
         "Perfect, see you there"),
        ("ACE0000000000000000000000000B004", True, "Sam Carter", utc(2026, 9, 18, 15, 20), "document", None),
    ]
    by_id = {m.external_id: m for m in w.messages}
    assert by_id["ACE0000000000000000000000000B002"].media.duration == "0:12"
    assert by_id["3A5C0FFEE11D0000AAAC"].media.blob_url.startswith("blob:https://web.whatsapp.com/")
    assert by_id["ACE0000000000000000000000000B004"].media.filename == "ridge-loop-map.pdf"
    reply = by_id["3A5C0FFEE11D0000AAB0"]
    assert reply.edited and reply.reactions == ("👍",)
    assert reply.quoted_text == "Yes! 10am at the north gate." and reply.quoted_sender == "You"
    assert reply.quoted_id == "ACE0000000000000000000000000B001"
    assert by_id["3A5C0FFEE11D0000AAAF"].deleted
    assert w.warnings == {"skipped_non_message": 1}  # the bare-id contact-card row


def test_p6_group_senders_and_inheritance() -> None:
    w = run("p6_group.html", "pt-BR", "America/Sao_Paulo", "Trilha de Domingo")
    assert w.profile == "p6"
    assert table(w) == [
        ("3AB1C2D3E4F5A6B7C801", False, "+55 11 91234-5678", utc(2026, 9, 17, 11, 15), "text",
         "Bom dia! Saímos às 7h amanhã?"),
        ("3AB1C2D3E4F5A6B7C802", False, "+55 11 91234-5678", utc(2026, 9, 17, 11, 16), "image", None),
        ("3EB0AA11BB22CC33DD4401", False, "Bia Costa", utc(2026, 9, 17, 11, 20), "text",
         "Pode ser!\nLevo o lanche 🍌"),
        ("3EB0AA11BB22CC33DD4402", False, "Bia Costa", utc(2026, 9, 17, 11, 21), "voice", None),
        ("A5F00000000000000000000000000C01", True, "Sam Carter", utc(2026, 9, 17, 12, 2), "text",
         "Combinado, 7h na praça."),
        ("3EB0AA11BB22CC33DD4403", False, "Bia Costa", utc(2026, 9, 18, 10, 5), "text",
         "Previsão: sol o dia todo"),
        ("A5F00000000000000000000000000C02", True, "Sam Carter", utc(2026, 9, 18, 10, 30), "deleted", None),
    ]
    assert w.messages[0].sender_name == "Rafa"
    assert w.messages[5].forwarded
    assert w.messages[6].deleted


def test_p5_group() -> None:
    w = run("p5_group.html", "en-GB", "Europe/London", "Allotment Club")
    assert w.profile == "p5"
    assert w.phone_prompt and not w.history_start
    assert table(w) == [
        ("3EB0C0DE000000000000A1", False, "+44 7700 900123", utc(2026, 9, 14, 18, 45), "text",
         "First courgettes of the season 🥒🎉"),
        ("3EB0C0DE000000000000A2", False, "+44 7700 900123", utc(2026, 9, 14, 18, 46), "text",
         "Anyone want some?\nI have far too many."),
        ("3A9F00000000000000B1", True, "Sam Carter", utc(2026, 9, 14, 19, 5), "text",
         "Yes please, two would be lovely"),
        ("3EB0C0DE000000000000C1", False, "Tom Reeve", utc(2026, 9, 16, 9, 2), "gif", None),
        ("3A9F00000000000000B2", True, "Sam Carter", utc(2026, 9, 16, 9, 30), "image", "Plot 14 after the rain"),
        ("3EB0C0DE000000000000C2", False, "+44 7700 900456", utc(2026, 9, 16, 9, 31), "sticker", None),
    ]
    assert w.messages[0].reactions == ("❤", "😂")
    reply = w.messages[2]
    assert reply.quoted_sender == "+44 7700 900123" and reply.quoted_id == "3EB0C0DE000000000000A2"


def test_p4_packed() -> None:
    w = run("p4_packed.html", "en-US", "UTC", "Dana Brooks")
    assert w.profile == "p4"
    assert w.chat_jid == "15550100001@c.us"
    assert table(w) == [
        ("3EB0D0D0D0D0D0D0D0D001", False, "Dana Brooks", utc(2026, 1, 10, 22, 54), "text",
         "Did you get the tickets?"),
        ("3AF0F0F0F0F0F0F0F001", True, "Sam Carter", utc(2026, 1, 10, 23, 1), "text",
         "Booking ref: QX-2291 & seats 14A/14B"),
        ("3EB0D0D0D0D0D0D0D0D002", False, "Dana Brooks", utc(2026, 1, 10, 23, 5), "video", None),
        ("3AF0F0F0F0F0F0F0F002", True, "Sam Carter", utc(2026, 1, 10, 23, 6), "deleted", None),
        ("3EB0D0D0D0D0D0D0D0D003", False, "Dana Brooks", utc(2026, 1, 11, 0, 15), "document", None),
        ("3EB0D0D0D0D0D0D0D0D004", False, "Dana Brooks", utc(2026, 1, 11, 0, 20), "text",
         "Gate closes 40 min before departure"),
    ]
    assert w.messages[1].forwarded
    assert w.messages[4].media.filename == "Itinerary.docx"


def test_fragment_without_main_is_wrapped() -> None:
    html = (FIXTURES / "p4_packed.html").read_text("utf-8")
    rows = re.search(r'<div data-scrolltracepolicy[^>]*>(.*)</div>\s*</div>\s*</body>', html, re.S)[1]
    assert 'id="main"' not in rows
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    messages = extract_html.extract_html(rows, locale="en-US", timezone="UTC", now=NOW)
    assert [m.external_id for m in messages][:2] == ["3EB0D0D0D0D0D0D0D0D001", "3AF0F0F0F0F0F0F0F001"]
    assert messages[0].chat_id == "15550100001@c.us"


def test_records_as_json_shape() -> None:
    w = run("p4_packed.html", "en-US", "UTC", "Dana Brooks")
    record = extract_html.records_as_json(w.messages)[1]
    assert record == {
        "external_id": "3AF0F0F0F0F0F0F0F001", "is_outgoing": True,
        "text": "Booking ref: QX-2291 & seats 14A/14B", "ts": "2026-01-10T23:01:00Z", "kind": "text",
        "forwarded": True, "deleted": False, "edited": False, "quoted_text": None,
        "sender": "Sam Carter", "sender_name": "Sam Carter", "document": None,
    }
    assert extract_html.records_as_json(w.messages)[4]["document"] == {
        "filename": "Itinerary.docx", "type": "DOCX", "pages": None, "size": None}


def test_run_extract_html_prints(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    assert extract_html.run_extract_html(FIXTURES / "p5_group.html", json=False, locale="en-GB",
                                         timezone="Europe/London") == 0
    out = capsys.readouterr().out
    assert "6 message(s), era p5" in out
    assert extract_html.run_extract_html(FIXTURES / "missing.html", json=True, locale="en-GB",
                                         timezone="UTC") == 1


# --- on a live page -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=list(extract_html.CHROMIUM_ARGS))
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", timezone_id="America/New_York")
    context.route("**/*", lambda route: route.abort())
    p = context.new_page()
    yield p
    context.close()


def ctx(**kw) -> parse.ParseContext:
    base = dict(chat_id="x@c.us", chat_title="Lena Fischer", is_group=False, now=NOW,
                locale="en-US", timezone="America/New_York", date_order="MDY")
    base.update(kw)
    return parse.ParseContext(**base)


def test_extraction_does_not_modify_the_page(page) -> None:
    page.set_content((FIXTURES / "p6_direct.html").read_text("utf-8"))
    before = page.content()
    window = extract.read_window(page, ctx())
    extract.read_header(page)
    assert len(window.messages) == 11
    assert page.content() == before


def test_read_header_and_intl(page) -> None:
    page.set_content((FIXTURES / "p6_direct.html").read_text("utf-8"))
    header = extract.read_header(page)
    assert header.title == "Lena Fischer" and header.subtitle == "online" and header.chat_jid is None
    intl = extract.read_page_intl(page)
    assert (intl.locale, intl.timezone, intl.date_order) == ("en-US", "America/New_York", "MDY")


def test_pinned_profile_and_drift(page) -> None:
    page.set_content((FIXTURES / "p5_group.html").read_text("utf-8"))
    raw = extract.read_raw(page)
    assert extract.detect_profile(raw) == "p5"
    assert extract.detect_profile(raw, setting="p6") == "p6"
    page.set_content('<div id="main"><div role="row"><div data-id="ABC123">'
                     '<div data-pre-plain-text="[1:00 PM, 9/1/2026] A: "><span class="selectable-text">'
                     'hi</span></div></div></div></div>')
    with pytest.raises(errors.UiDrift) as exc:
        extract.detect_profile(page)
    assert "hi" not in str(exc.value)
    page.set_content('<div id="main"><section><div data-id="ABC123">x</div></section></div>')
    with pytest.raises(errors.UiDrift):
        extract.detect_profile(page)
    page.set_content('<div id="main"></div>')
    assert extract.detect_profile(page) == "p6"


def test_every_selector_is_valid_css(page) -> None:
    page.set_content("<div id='main'></div>")
    candidates = {c for p in selectors.PROFILES.values() for cs in p.roles.values() for c in cs}
    candidates |= {c for cs in selectors.NAVIGATION.values() for c in cs}
    bad = page.evaluate(
        """(list) => list.filter((s) => { try { document.querySelector(s); return false; }
                                          catch (e) { return true; } })""",
        sorted(candidates),
    )
    assert bad == []


def test_one_window_of_3000_rows_is_read_whole(page) -> None:
    """A large loaded window comes back complete from a single evaluate (speed: benchmarks/)."""
    html = (FIXTURES / "p6_direct.html").read_text("utf-8")
    rows = re.findall(r'(<div role="row">\s*<div tabindex="-1".*?\n        </div>\n)', html, re.S)
    body = "".join(
        row.replace('AAAA"', f'{i:04d}"').replace("AAAB", f"B{i:04d}").replace("B001", f"C{i:04d}")
        for i, row in enumerate(rows[:3] * 1000)
    )
    page.set_content(
        '<style>[data-testid="selectable-text"]{white-space:pre-wrap}</style><div id="main">'
        '<div role="row"><span>9/12/2026</span></div>' + body + "</div>"
    )
    window = extract.read_window(page, ctx())
    assert len(window.messages) == 3000
    assert len({m.external_id for m in window.messages}) == 3000
