"""The real extractor in real headless Chromium on hand-written P6/P5/P4 fixtures."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from pathlib import Path

import pytest

from kenny_wa import errors, parse
from kenny_wa.browser import chatlist, extract, offline, selectors

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"
NOW = dt.datetime(2026, 9, 18, 16, 0, tzinfo=dt.UTC)  # a Friday
CHROMIUM = "/usr/bin/chromium"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def run(name: str, locale: str, tz: str, title: str) -> extract.WindowResult:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    return offline.extract_html_window(
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
        ("3A9F00000000000000B2", True, "Sam Carter", utc(2026, 9, 16, 9, 30), "image",
         "Plot 14 after the rain"),
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
    messages = offline.extract_html(rows, locale="en-US", timezone="UTC", now=NOW)
    assert [m.external_id for m in messages][:2] == ["3EB0D0D0D0D0D0D0D0D001", "3AF0F0F0F0F0F0F0F001"]
    assert messages[0].chat_id == "15550100001@c.us"


def test_records_as_json_shape() -> None:
    w = run("p4_packed.html", "en-US", "UTC", "Dana Brooks")
    record = offline.records_as_json(w.messages)[1]
    assert record == {
        "external_id": "3AF0F0F0F0F0F0F0F001", "is_outgoing": True,
        "text": "Booking ref: QX-2291 & seats 14A/14B", "ts": "2026-01-10T23:01:00Z", "kind": "text",
        "forwarded": True, "deleted": False, "edited": False, "quoted_text": None,
        "sender": "Sam Carter", "sender_name": "Sam Carter", "document": None,
    }
    assert offline.records_as_json(w.messages)[4]["document"] == {
        "filename": "Itinerary.docx", "type": "DOCX", "pages": None, "size": None}


def test_run_extract_html_prints(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    assert offline.run_extract_html(FIXTURES / "p5_group.html", json=False, locale="en-GB",
                                         timezone="Europe/London") == 0
    out = capsys.readouterr().out
    assert "6 message(s), era p5" in out
    assert offline.run_extract_html(FIXTURES / "missing.html", json=True, locale="en-GB",
                                         timezone="UTC") == 1


# --- every kind, every form people save (fixtures written from the DOM reference) ------------


def local(tz: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(dt.UTC)


def saved(source: str | Path, locale: str, tz: str) -> extract.WindowResult:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    return offline.extract_html_window(source, locale=locale, timezone=tz, now=NOW)


def fields(window: extract.WindowResult, id_tail: int = 0) -> list[tuple]:
    """Every field a record is judged on: id (or its last ``id_tail`` characters), direction,
    sender, time, kind, text, flags."""
    return [(m.external_id[-id_tail:], m.is_outgoing, m.sender, m.ts, m.kind, m.text, m.forwarded, m.deleted)
            for m in window.messages]


CHI = "America/Chicago"
IRIS, SAM = "Iris Novak", "Sam Carter"
P6_SAVED = [
    ("3A1D0C000000000000K1", False, IRIS, local(CHI, 2026, 9, 14, 9, 5), "document", None, False, False),
    ("3A1D0C000000000000K2", False, IRIS, local(CHI, 2026, 9, 14, 9, 6), "document", None, False, False),
    ("ACE1D0C00000000000000000000000K3", True, SAM, local(CHI, 2026, 9, 14, 9, 12), "document",
     "Signed copy, keep it handy", False, False),
    ("ACE1D0C00000000000000000000000K4", True, SAM, local(CHI, 2026, 9, 14, 9, 13), "sticker", None,
     False, False),
    ("3A1D0C000000000000K5", False, IRIS, local(CHI, 2026, 9, 14, 9, 20), "image", None, False, False),
    ("3A1D0C000000000000K6", False, IRIS, local(CHI, 2026, 9, 14, 9, 21), "image",
     "Trailhead sign at dawn", True, False),
    ("3A1D0C000000000000K7", False, IRIS, local(CHI, 2026, 9, 15, 8, 2), "view_once", None, False, False),
    ("3A1D0C000000000000K8", False, IRIS, local(CHI, 2026, 9, 15, 8, 3), "contact", None, False, False),
    ("ACE1D0C00000000000000000000000K9", True, SAM, local(CHI, 2026, 9, 15, 8, 10), "location", None,
     False, False),
    ("3A1D0C00000000000K10", False, IRIS, local(CHI, 2026, 9, 15, 8, 15), "poll", "Saturday or Sunday?",
     False, False),
    ("3A1D0C00000000000K11", False, IRIS, local(CHI, 2026, 9, 15, 8, 20), "deleted", None, False, True),
    ("ACE1D0C0000000000000000000000K12", True, SAM, local(CHI, 2026, 9, 15, 16, 30), "deleted", None,
     False, True),
    ("3A1D0C00000000000K13", False, IRIS, local(CHI, 2026, 9, 15, 16, 41), "text",
     "Fire ban lifted from Friday", True, False),
]


def test_p6_saved_page_every_kind() -> None:
    """A whole "Save page as" file: its scripts never run, its header names the chat."""
    w = saved(FIXTURES / "p6_saved_page.html", "en-US", CHI)
    assert w.profile == "p6" and not w.warnings
    assert fields(w) == P6_SAVED
    docs = {m.external_id[-2:]: m.media for m in w.messages if m.kind == "document"}
    assert (docs["K1"].filename, docs["K1"].file_type, docs["K1"].pages, docs["K1"].size) == (
        "trail-permits-2026.pdf", "PDF", 3, "245 kB")
    assert (docs["K2"].filename, docs["K2"].file_type, docs["K2"].pages, docs["K2"].size) == (
        "packing-list.docx", "DOCX", None, "18 kB")
    assert (docs["K3"].filename, docs["K3"].pages, docs["K3"].size) == ("waiver-signed.pdf", 1, "1.2 MB")
    own = [m for m in w.messages if m.is_outgoing]
    assert {m.sender_name for m in own} == {"Sam Carter"}
    assert {m.sender_name for m in w.messages if not m.is_outgoing} == {None}


def test_p6_list_of_rows_without_separators_keeps_undated_rows_undated() -> None:
    """Rows copied without the page around them: stamped rows keep their own time; a row with
    only a clock time (no data-pre-plain-text, no separator) has ts None, never a guess."""
    html = (FIXTURES / "p6_saved_page.html").read_text("utf-8")
    rows = re.findall(r'(<div role="row">\s*<div tabindex="-1".*?\n        </div>\n)', html, re.S)
    assert len(rows) == 13
    w = saved("".join(rows), "en-US", CHI)
    stamped = {"K2", "K3", "K6", "10", "13"}
    assert [(m.external_id[-2:], m.ts is not None) for m in w.messages] == [
        (r[0][-2:], r[0][-2:] in stamped) for r in P6_SAVED]
    # Apart from the time, every field is what the whole page gives.
    assert [f[:3] + f[4:] for f in fields(w)] == [r[:3] + r[4:] for r in P6_SAVED]
    assert w.warnings == {"no_date": 8}


LON = "Europe/London"


def test_p4_main_pane_every_kind() -> None:
    """The #main pane of the packed-id era: documents and stickers from their own markers, a
    GIF whose hover forward icon is no forward, the owner's "You" label as its sender."""
    w = saved(FIXTURES / "p4_main_kinds.html", "en-GB", LON)
    assert w.profile == "p4" and w.chat_jid == "120363000000000001@g.us" and not w.warnings
    noor, wes = "+44 7700 900301", "Wes Adeyemi"
    assert fields(w, id_tail=4) == [
        ("P001", False, noor, local(LON, 2026, 9, 14, 9, 5), "document", "Notes for Sunday's route", False,
         False),
        ("P002", False, noor, local(LON, 2026, 9, 14, 9, 6), "document", None, False, False),
        ("P003", False, wes, local(LON, 2026, 9, 14, 9, 10), "sticker", None, False, False),
        ("P004", True, None, local(LON, 2026, 9, 14, 9, 11), "sticker", None, False, False),
        ("P005", False, wes, local(LON, 2026, 9, 14, 9, 30), "gif", None, False, False),
        ("P006", False, noor, local(LON, 2026, 9, 14, 9, 45), "text", "Car park closes at 8pm on Sundays",
         True, False),
        ("P007", False, wes, local(LON, 2026, 9, 14, 10, 2), "deleted", None, False, True),
        ("P008", True, "You", local(LON, 2026, 9, 14, 10, 3), "deleted", None, False, True),
        ("P009", False, noor, local(LON, 2026, 9, 14, 10, 10), "voice", None, False, False),
        ("P010", False, wes, local(LON, 2026, 9, 15, 7, 58), "video", None, False, False),
        ("P011", False, wes, local(LON, 2026, 9, 15, 8, 1), "poll", "Café after the walk?", False, False),
        ("P012", True, None, local(LON, 2026, 9, 15, 8, 5), "location", None, False, False),
        ("P013", False, noor, local(LON, 2026, 9, 15, 8, 20), "contact", None, False, False),
        ("P014", False, noor, local(LON, 2026, 9, 15, 8, 25), "view_once", None, False, False),
    ]
    first, second = w.messages[0].media, w.messages[1].media
    assert (first.filename, first.file_type, first.pages, first.size) == (
        "route-notes.pdf", "PDF", 2, "88 kB")
    assert (second.filename, second.file_type, second.size) == ("map-grid.png", "PNG", "1 MB")
    assert w.messages[0].sender_name == "Noor" and w.messages[7].sender_name is None
    assert w.messages[9].sender is not None and w.messages[2].media.blob_url.startswith("blob:")


SAO = "America/Sao_Paulo"


def test_p5_rows_in_portuguese() -> None:
    """Several rows (no #main, no header): notices, labels and alt texts in pt-BR."""
    w = saved(FIXTURES / "p5_rows_pt.html", "pt-BR", SAO)
    assert w.profile == "p5" and not w.warnings
    caio, sam = "Caio Prado", "Sam Carter"
    assert fields(w, id_tail=4) == [
        ("R001", False, caio, local(SAO, 2026, 9, 15, 10, 0), "text", "Chego às 10h na estação", False,
         False),
        ("R002", False, caio, local(SAO, 2026, 9, 15, 10, 5), "deleted", None, False, True),
        ("0R03", True, sam, local(SAO, 2026, 9, 15, 10, 6), "deleted", None, False, True),
        ("R004", False, caio, local(SAO, 2026, 9, 15, 10, 12), "text",
         "Horários novos do trem a partir de outubro", True, False),
        ("0R05", True, sam, local(SAO, 2026, 9, 15, 10, 13), "sticker", None, False, False),
        ("R006", False, caio, local(SAO, 2026, 9, 15, 10, 20), "document", None, False, False),
        ("0R07", True, sam, local(SAO, 2026, 9, 15, 10, 30), "text", "Perfeito, obrigado!", False, False),
        ("R008", False, caio, local(SAO, 2026, 9, 15, 10, 31), "voice", None, False, False),
    ]
    doc = w.messages[5].media
    assert (doc.filename, doc.file_type, doc.size) == ("orcamento-viagem.xlsx", "XLSX", "12 kB")


@pytest.mark.parametrize(("name", "locale", "tz", "expected"), [
    # the [data-id] node alone, P6 group row of an unsaved member
    ("p6_row.html", "en-US", "America/New_York",
     ("3A6E0000000000000001", False, "+1 555 010 0142", local("America/New_York", 2026, 9, 16, 19, 58),
      "text", "Bus leaves at 6 sharp 🚌", False, False)),
    # the [data-id] node alone, P5 voice message: no stamp of its own, so no date
    ("p5_row.html", "en-GB", LON,
     ("3EB0B5000000000000V001", False, None, None, "voice", None, False, False)),
    # one [role=row] of the packed era: the owner's document with a caption
    ("p4_row.html", "en-US", "America/New_York",
     ("3AF0A4000000000R0W1", True, "Sam Carter", local("America/New_York", 2026, 2, 27, 15, 7), "document",
      "Draft with your comments folded in", False, False)),
])
def test_one_row_copied_out_of_the_page(name: str, locale: str, tz: str, expected: tuple) -> None:
    w = saved(FIXTURES / name, locale, tz)
    assert fields(w) == [expected]
    assert w.profile == name[:2]


def test_single_file_mhtml_save(tmp_path: Path) -> None:
    from tests.unit.test_extract_html_input import mhtml

    path = tmp_path / "WhatsApp.mhtml"
    path.write_bytes(mhtml((FIXTURES / "p6_saved_page.html").read_text("utf-8")))
    assert fields(saved(path, "en-US", CHI)) == P6_SAVED


def test_one_row_json_record_has_null_time() -> None:
    w = saved(FIXTURES / "p5_row.html", "en-GB", LON)
    record = offline.records_as_json(w.messages)[0]
    assert record["ts"] is None and record["kind"] == "voice" and record["is_outgoing"] is False


@pytest.mark.slow
def test_unrecognisable_rows_are_drift_but_one_recognisable_row_is_enough() -> None:
    with pytest.raises(errors.UiDrift):
        saved('<div data-id="X1"><p>hello</p></div>', "en-US", "UTC")
    with pytest.raises(errors.UiDrift):  # stamps, but nothing carries a message id
        saved('<div role="row"><div data-pre-plain-text="[1:00 PM, 9/1/2026] A: ">'
                '<span class="selectable-text">hi</span></div></div>', "en-US", "UTC")
    one = (FIXTURES / "p6_row.html").read_text("utf-8")
    w = saved('<div data-id="X1"><p>hello</p></div>' + one, "en-US", "UTC")
    assert [m.external_id for m in w.messages] == ["3A6E0000000000000001"]


# --- the shared captures of the live page (../shared beside the project; skipped without) ----

# CI has /work/shared beside the clone: ../shared relative to the project root.
CAPTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/wa-web-captures/sanand0_tools"


def sha(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest()[:10] if text else None


# Read by hand from each capture; no name or text is copied: per message (outgoing, kind,
# has a sender, text hash, UTC time or None, forwarded, deleted, reactions, has a quote).
# The 2025 conversation's dates are ambiguous (10/12 and 12/10): the en-US reading is the
# chronological one. Rows with a clock time but no stamp and no separator have no date.
CAPTURE_EXPECTED: dict[str, tuple[str, str, list[tuple]]] = {
    "__fixtures___conversation.2025-10-12_09e1480.html": ("en-US", "p4", [
        (False, "text", True, "271c78c4ed", "2025-10-12T09:12:00Z", False, False, 0, False),
        (False, "text", True, "4ae2471cff", None, False, False, 2, False),
        (False, "text", True, "a26faf6aa7", "2025-12-10T04:32:00Z", False, False, 0, True),
        # a GIF whose hover "forward-refreshed" shortcut is no forward
        (False, "gif", True, None, None, False, False, 0, True),
    ]),
    "__fixtures___conversation.2025-12-15_6b6ac52.html": ("en-US", "p4", [
        (False, "text", True, "271c78c4ed", "2025-10-12T09:12:00Z", False, False, 0, False),
        (False, "text", True, "4ae2471cff", None, False, False, 2, False),
        (False, "deleted", True, None, None, False, True, 0, False),  # recalled: no time at all
        (False, "text", True, "a26faf6aa7", "2025-12-10T04:32:00Z", False, False, 0, True),
        (False, "gif", True, None, None, False, False, 0, True),
    ]),
    "test-messages.html": ("en-GB", "p4", [
        (False, "text", True, "23809d100e", "2026-03-22T13:52:00Z", False, False, 0, False),
        (False, "text", True, "062786d191", "2026-03-22T14:28:00Z", False, False, 1, False),
        (False, "text", True, "02eb7bc21c", "2026-03-24T15:24:00Z", False, False, 0, False),
        (False, "text", True, "cc8fd9eb7f", "2026-03-24T15:28:00Z", False, False, 1, True),
        (True, "text", True, "b0e4f6d6af", "2025-12-14T20:05:00Z", False, False, 0, True),  # the owner, named
        (False, "deleted", True, None, "2025-12-14T20:07:00Z", False, True, 0, False),
        (False, "text", True, "46bbc0b513", "2025-12-14T21:12:00Z", False, False, 0, False),
        (False, "image", True, None, "2026-03-24T14:20:00Z", False, False, 0, False),
        (False, "voice", True, None, "2026-03-25T11:20:00Z", False, False, 0, False),
    ]),
    "test-messages-2026-04.html": ("en-GB", "p5", [
        (False, "text", True, "3d912b946d", "2026-04-18T13:32:00Z", False, False, 0, False),
        (True, "text", True, "842b5ef6f4", "2026-04-19T20:05:00Z", False, False, 0, False),
    ]),
    "test-messages-2026-05-10.html": ("en-GB", "p5", [
        (False, "text", True, "2eacad4292", "2026-05-10T12:19:00Z", False, False, 1, False),
        (False, "text", True, "1e1381bb5b", "2026-05-10T13:57:00Z", False, False, 1, True),
        (False, "text", True, "bc47ba7976", "2026-05-10T14:14:00Z", False, False, 1, True),
    ]),
}


@pytest.mark.parametrize("name", sorted(CAPTURE_EXPECTED))
def test_shared_capture(name: str) -> None:
    path = CAPTURES / name
    if not path.exists():
        pytest.skip("the shared captures are not beside the project")
    locale, era, expected = CAPTURE_EXPECTED[name]
    w = saved(path, locale, "UTC")
    assert w.profile == era
    got = [
        (m.is_outgoing, m.kind, m.sender is not None, sha(m.text),
         m.ts.strftime("%Y-%m-%dT%H:%M:%SZ") if m.ts else None,
         m.forwarded, m.deleted, len(m.reactions), m.quoted_text is not None)
        for m in w.messages
    ]
    assert got == expected


def test_every_shared_capture_is_checked() -> None:
    if not CAPTURES.is_dir():
        pytest.skip("the shared captures are not beside the project")
    assert {p.name for p in CAPTURES.glob("*.html")} <= set(CAPTURE_EXPECTED)


# --- on a live page -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=list(offline.CHROMIUM_ARGS))
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
    chatlist.read_header(page)
    assert len(window.messages) == 11
    assert page.content() == before


def test_read_header_and_intl(page) -> None:
    page.set_content((FIXTURES / "p6_direct.html").read_text("utf-8"))
    header = chatlist.read_header(page)
    title = chatlist.strip_bidi(header["title"])  # the page wraps it in bidi marks
    assert (title, header["subtitle"], header["id"]) == ("Lena Fischer", "online", None)
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
    # bare ids with neither direction classes nor test ids: the 2026 bubble names the era
    page.set_content('<div id="main"><div role="row"><div data-id="ABC123"><div class="focusable-list-item">'
                     '<span data-icon="tail-in"></span><div data-pre-plain-text="[1:00 PM, 9/1/2026] A: ">'
                     '<span class="selectable-text">hi</span></div></div></div></div></div>')
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
