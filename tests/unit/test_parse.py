"""Pure parsing: prefixes, windows (dates from the page's evidence), direction, senders, ids, merge.

Times, dates and separators on their own: tests/unit/test_dates.py."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa import parse
from kenny_wa.model import MediaRef, Message

UTC = dt.UTC
NOW = dt.datetime(2026, 9, 18, 16, 0, tzinfo=UTC)  # Friday


def ctx(**kw) -> parse.ParseContext:
    base = dict(chat_id="15550100001@c.us", chat_title="Lena Fischer", is_group=False, now=NOW,
                locale="en-US", timezone="UTC")
    base.update(kw)
    return parse.ParseContext(**base)


def utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


# --- data-pre-plain-text --------------------------------------------------------------------


@pytest.mark.parametrize(("ppt", "order", "kw", "ts", "sender"), [
    ("[10:54 PM, 12/9/2025] Dana Brooks: ", "MDY", {}, utc(2025, 12, 9, 22, 54), "Dana Brooks"),
    ("[8:05 pm, 14/12/2025] Sam Carter: ", "DMY", {}, utc(2025, 12, 14, 20, 5), "Sam Carter"),
    ("[8:05 pm, 14/12/2025] Sam Carter: ", None, {}, utc(2025, 12, 14, 20, 5), "Sam Carter"),
    ("[13:52, 22/03/2026] +44 7700 900123: ", "DMY", {}, utc(2026, 3, 22, 13, 52), "+44 7700 900123"),
    ("[15:56, 11/07/2026] Bia Costa: ", "DMY", {"timezone": "America/Sao_Paulo"},
     utc(2026, 7, 11, 18, 56), "Bia Costa"),
    ("[09:30, 5.09.2026] Ayşe Kaya: ", "DMY", {"timezone": "Europe/Istanbul"},
     utc(2026, 9, 5, 6, 30), "Ayşe Kaya"),
    ("[下午1:23, 2026年9月18日] Wei: ", None, {"timezone": "Asia/Shanghai"},
     utc(2026, 9, 18, 5, 23), "Wei"),
    ("[9:41\u202fAM, 9/12/2026] \u202aLena Fischer\u202c: ", "MDY", {"timezone": "America/New_York"},
     utc(2026, 9, 12, 13, 41), "Lena Fischer"),
    ("[10:00, 2026/09/18] Kenji: ", None, {"timezone": "Asia/Tokyo"}, utc(2026, 9, 18, 1, 0), "Kenji"),
    ("[7:00 AM, 9/18/2026] Re: plans: ", "MDY", {}, utc(2026, 9, 18, 7, 0), "Re: plans"),
])
def test_pre_plain_text(ppt: str, order: str | None, kw: dict, ts: dt.datetime, sender: str) -> None:
    stamp, who = parse.parse_pre_plain_text(ppt, ctx(**kw), order)
    assert (stamp.ts, stamp.warning, who) == (ts, None, sender)


def test_pre_plain_text_ambiguous_is_not_guessed() -> None:
    # the locale setting never decides: with no order learned, a date of two readings waits
    for locale in ("en-US", "en-GB", "xx"):
        stamp, _ = parse.parse_pre_plain_text("[10:00, 3/4/2026] X: ", ctx(locale=locale))
        assert (stamp.ts, stamp.warning) == (None, "ambiguous_date")
    stamp, _ = parse.parse_pre_plain_text("[10:00, 3/4/2026] X: ", ctx(), "DMY")
    assert stamp.ts == utc(2026, 4, 3, 10, 0)


def test_pre_plain_text_impossible_and_garbage() -> None:
    stamp, _ = parse.parse_pre_plain_text("[10:54 PM, 13/25/2026] X: ", ctx(), "MDY")
    assert stamp.ts is None and stamp.warning == "impossible_date"
    stamp, who = parse.parse_pre_plain_text("not a stamp", ctx())
    assert stamp.warning == "unparsed_pre_plain_text" and who is None


# --- ids ------------------------------------------------------------------------------------


def test_packed_and_bare_ids_give_the_same_external_id() -> None:
    packed = "true_15550100001@c.us_3AF0F0F0F0F0F0F0F001"
    assert parse.external_id(packed) == parse.external_id("3AF0F0F0F0F0F0F0F001") == "3AF0F0F0F0F0F0F0F001"
    group = "false_120363000000000001@g.us_ACED0000000000000000000000000001_100000000042@lid"
    assert parse.external_id(group) == "ACED0000000000000000000000000001"
    assert parse.split_packed_id(group) == parse.PackedId(
        False, "120363000000000001@g.us", "ACED0000000000000000000000000001", "100000000042@lid")
    assert parse.split_packed_id("3EB0C0DE000000000000A1") is None
    assert parse.external_id("", "3A5C0FFEE11D0000AAAA") == "3A5C0FFEE11D0000AAAA"
    old_group = "false_15550000000-1416170171@g.us_3AA0000000000000000B_15550000001@c.us"
    assert parse.split_packed_id(old_group).remote == "15550000000-1416170171@g.us"


@pytest.mark.parametrize(("jid", "expected"), [
    ("15550100001@s.whatsapp.net", "15550100001@c.us"),
    ("15550100001:12@s.whatsapp.net", "15550100001@c.us"),
    ("15550100001@C.US", "15550100001@c.us"),
    ("120363000000000001@g.us", "120363000000000001@g.us"),
    ("100000000042:3@lid", "100000000042@lid"),
    (" status@broadcast ", "status@broadcast"),
])
def test_normalise_jid(jid: str, expected: str) -> None:
    assert parse.normalise_jid(jid) == expected


def test_strip_bidi_names_only() -> None:
    assert parse.strip_bidi("\u202aLena Fischer\u202c\u200e") == "Lena Fischer"
    assert parse.clean_name("~\u00a0Rafa") == "Rafa"


# --- windows of raw rows --------------------------------------------------------------------


def raw(**kw) -> dict:
    row = dict(row="msg", id="", tid="", ppt="", meta="", cls_out=False, cls_in=False, tail="",
               prefix="", receipt=False, author_label="", author_texts=[], text=None, caption=None,
               quoted=False, q_author_label="", q_author_texts=[], q_text=None, fwd=False, del_=False,
               edited=False, reactions=[], media="", blob="", duration="", doc_name="", container=True,
               label="", del_text="", doc_title="", doc_info=[], bubble=True)
    row.update(kw)
    row["del"] = row.pop("del_")
    return row


def sep(label: str) -> dict:
    return raw(row="other", label=label)


def window(rows: list[dict], **kw) -> parse.ParseResult:
    return parse.parse_window(rows, ctx(**kw), era="p6")


def test_rows_without_stamp_take_meta_time_and_preceding_separator() -> None:
    result = window([
        sep("Yesterday"),
        raw(id="A1", meta="6:31 PM", tail="in", media="video"),
        sep("Today"),
        raw(id="A2", meta="Edited 9:05 AM", prefix="You:", text="hi"),
    ])
    assert [(m.external_id, m.ts, m.is_outgoing, m.kind, m.edited) for m in result.messages] == [
        ("A1", utc(2026, 9, 17, 18, 31), False, "video", False),
        ("A2", utc(2026, 9, 18, 9, 5), True, "text", True),
    ]


def test_day_from_a_stamped_neighbour_without_separator_between() -> None:
    result = window([
        raw(id="B0", meta="9:00 AM", tail="in", text="before"),  # first row: takes the next stamped day
        raw(id="B1", ppt="[9:12 AM, 9/10/2026] Lena Fischer: ", text="x", tail="in"),
        raw(id="B2", meta="9:34 PM", text="y"),
    ])
    assert [m.ts for m in result.messages] == [
        utc(2026, 9, 10, 9, 0), utc(2026, 9, 10, 9, 12), utc(2026, 9, 10, 21, 34)]


def test_unreadable_boundary_is_never_crossed() -> None:
    result = window([
        raw(id="C1", ppt="[9:12 AM, 9/10/2026] Lena Fischer: ", text="x", tail="in"),
        sep("Lena pinned a message"),  # not a date
        raw(id="C2", meta="9:34 PM", text="y", tail="in"),
    ])
    assert [m.external_id for m in result.messages] == ["C1"]
    assert result.warnings["no_date"] == 1
    assert result.ids == ["C1", "C2"]


def test_text_is_kept_as_sent_whitespace_included() -> None:
    sent = "  two leading spaces,\n  an indented line and trailing ones  \n"
    result = window([
        sep("Today"),
        raw(id="W1", meta="9:05 AM", tail="in", text=sent),
        raw(id="W2", meta="9:06 AM", tail="in", media="image", caption=" caption "),
        raw(id="W3", meta="9:07 AM", tail="in", text=" \n ", media="image"),  # whitespace only: none
        raw(id="W4", meta="9:08 AM", tail="in", text="Re", quoted=True, q_text=" quoted "),
    ])
    got = {m.external_id: m for m in result.messages}
    assert got["W1"].text == sent and got["W1"].kind == "text"
    assert got["W2"].text == " caption "
    assert got["W3"].text is None and got["W3"].kind == "image"
    assert got["W4"].quoted_text == " quoted "


def test_no_time_is_reported() -> None:
    result = window([sep("Today"), raw(id="D1", del_=True, tail="in")])
    assert result.messages == [] and result.warnings["no_time"] == 1


@pytest.mark.parametrize(("signals", "outgoing"), [
    ({"id": "true_15550100001@c.us_E1", "cls_in": True}, True),  # packed prefix wins
    ({"id": "false_15550100001@c.us_E1", "tail": "out"}, False),
    ({"cls_out": True, "tail": "in"}, True),  # class before tail
    ({"cls_in": True}, False),
    ({"tail": "out", "prefix": "Lena Fischer:"}, True),  # tail before label
    ({"tail": "in", "receipt": True}, False),
    ({"prefix": "You:"}, True),
    ({"prefix": "Você:"}, True),
    ({"prefix": "Tu:"}, True),
    ({"prefix": "Lena Fischer:"}, False),
    ({"prefix": "Lena Fischer:", "receipt": True}, False),
    ({"receipt": True}, True),
    ({"author_texts": ["Bia Costa"]}, False),
])
def test_direction_chain(signals: dict, outgoing: bool) -> None:
    signals.setdefault("id", "E1")
    result = window([sep("Today"), raw(meta="10:00", text="t", **signals)])
    assert result.messages[0].is_outgoing is outgoing


def test_direction_and_sender_inherit_within_a_block() -> None:
    result = window([
        sep("Today"),
        raw(id="F1", tail="out", prefix="You:", ppt="[10:00 AM, 9/18/2026] Sam Carter: ", text="a"),
        raw(id="F2", meta="10:01 AM", media="sticker"),  # no signal at all: same block
        raw(id="F3", tail="in", ppt="[10:02 AM, 9/18/2026] Lena Fischer: ", text="b"),
        raw(id="F4", meta="10:03 AM", media="gif"),  # inherits incoming
        raw(id="F5", ppt="[10:04 AM, 9/18/2026] Sam Carter: ", text="fwd", fwd=True),  # learned own name
    ])
    assert [(m.external_id, m.is_outgoing, m.sender) for m in result.messages] == [
        ("F1", True, "Sam Carter"), ("F2", True, "Sam Carter"), ("F3", False, "Lena Fischer"),
        ("F4", False, "Lena Fischer"), ("F5", True, "Sam Carter"),
    ]


def test_direction_unknown_is_reported_not_guessed() -> None:
    result = window([sep("Today"), raw(id="G1", meta="10:00", media="sticker")])
    assert result.messages == [] and result.warnings["direction_unknown"] == 1


def test_direction_does_not_inherit_across_a_separator() -> None:
    result = window([
        sep("Yesterday"), raw(id="H1", tail="out", meta="23:59", text="a"),
        sep("Today"), raw(id="H2", meta="00:01", media="sticker"),
    ])
    assert [m.external_id for m in result.messages] == ["H1"]


def test_group_senders() -> None:
    rows = [
        sep("Today"),
        # unsaved member: phone shown beside a "Maybe" name; the stamp carries the phone
        raw(id="J1", tail="in", author_label="Maybe Rafa", author_texts=["~ Rafa", "+55 11 91234-5678"],
            ppt="[08:15, 18/09/2026] +55 11 91234-5678: ", text="a"),
        raw(id="J2", meta="08:16", media="image"),  # same block, no stamp, no author: inherited
        raw(id="J3", tail="in", author_label="Bia Costa", author_texts=["Bia Costa"], meta="08:20",
            media="voice"),  # saved contact, no stamp: the author name
        raw(id="J4", tail="in", author_label="Maybe Gwen", author_texts=["Gwen", "+44 7700 900456"],
            meta="08:30", media="sticker"),  # unsaved, no stamp: the phone, like the stamp would
        raw(id="J5", tail="out", meta="08:31", text="me"),
    ]
    result = window(rows, is_group=True, chat_title="Trilha", locale="pt-BR")
    assert [(m.external_id, m.sender, m.sender_name) for m in result.messages] == [
        ("J1", "+55 11 91234-5678", "Rafa"), ("J2", "+55 11 91234-5678", "Rafa"),
        ("J3", "Bia Costa", None), ("J4", "+44 7700 900456", "Gwen"), ("J5", None, None),
    ]


def test_packed_group_participant_fallback() -> None:
    rows = [
        sep("Today"),
        raw(id="false_120363000000000001@g.us_K1_100000000042@lid", meta="09:00", text="a"),
        raw(id="false_120363000000000001@g.us_K2_100000000043@lid", meta="09:01", text="b"),
        raw(id="false_120363000000000001@g.us_K3_100000000043@lid",
            ppt="[09:02, 18/09/2026] +44 7700 900999: ", text="c"),
    ]
    result = window(rows, is_group=True, locale="en-GB")
    assert [m.sender for m in result.messages] == ["100000000042@lid", "+44 7700 900999", "+44 7700 900999"]
    assert result.chat_jid == "120363000000000001@g.us"


def test_one_to_one_sender_falls_back_to_title() -> None:
    result = window([sep("Today"), raw(id="L1", tail="in", meta="09:00", media="voice")],
                    chat_title="\u202aLena Fischer\u202c")
    assert result.messages[0].sender == "Lena Fischer"


def test_skips_non_message_rows() -> None:
    result = window([
        sep("Today"),
        raw(row="system", id="S1", label="Your security code changed."),
        raw(id="N1", author_texts=["~Gwen", "+44 7700 900456"]),  # bare id, no stamp/meta/media
        raw(row="shell", id="V1"),
        raw(id="M1", tail="in", meta="09:00", text="ok"),
    ])
    assert [m.external_id for m in result.messages] == ["M1"]
    assert result.warnings["skipped_non_message"] == 1


def test_kinds_and_fields() -> None:
    result = window([
        sep("Today"),
        raw(id="P1", tail="in", meta="9:00 AM", media="image", caption="Caption here",
            blob="blob:https://web.whatsapp.com/x"),
        raw(id="P2", meta="9:01 AM", media="document", doc_name="plan.pdf"),
        raw(id="P3", meta="9:02 AM", media="voice", duration="0:00/0:37"),
        raw(id="P4", meta="9:03 AM", del_=True, text="This message was deleted"),
        raw(id="P5", meta="9:04 AM", text="see https://example.org/a?b=1",
            reactions=["Reactions 👍, ❤️ 4 in total. View reactions", "reaction 👍🏽. View reactions"]),
        raw(id="P6", meta="9:05 AM", quoted=True, q_author_label="Maybe Gwen",
            q_author_texts=["Gwen", "+44 7700 900456"], q_text="earlier words", text="reply"),
        raw(id="P7", meta="9:06 AM"),
    ])
    by_id = {m.external_id: m for m in result.messages}
    assert by_id["P1"].kind == "image" and by_id["P1"].text == "Caption here"
    assert by_id["P1"].media == MediaRef("image", "blob:https://web.whatsapp.com/x")
    assert by_id["P2"].media == MediaRef("document", filename="plan.pdf", file_type="PDF")
    assert by_id["P3"].media == MediaRef("voice", duration="0:37")
    assert (by_id["P4"].kind, by_id["P4"].deleted, by_id["P4"].text) == ("deleted", True, None)
    assert by_id["P5"].text == "see https://example.org/a?b=1"
    assert by_id["P5"].reactions == ("👍", "❤", "👍🏽")
    assert (by_id["P6"].quoted_text, by_id["P6"].quoted_sender) == ("earlier words", "+44 7700 900456")
    assert by_id["P7"].kind == "unknown"


@pytest.mark.parametrize("kind", ["view_once", "contact", "location", "poll"])
def test_kinds_without_attachment_bytes(kind: str) -> None:
    result = window([sep("Today"), raw(id="K1", tail="in", meta="9:00 AM", media=kind, text="Which day?")])
    (m,) = result.messages
    assert (m.kind, m.media, m.text) == (kind, None, "Which day?")


@pytest.mark.parametrize(("name", "title", "info", "expected"), [
    ("ridge.pdf", "", ["PDF", "•", "3 pages", "•", "245 kB"], ("ridge.pdf", "PDF", 3, "245 kB")),
    ("", 'Download "notes.docx"', ["DOCX", "18 kB"], ("notes.docx", "DOCX", None, "18 kB")),
    ("", "Baixar “orçamento.xlsx”", ["1 página", "1,2 MB"], ("orçamento.xlsx", "XLSX", 1, "1,2 MB")),
    ("scan", "", ["12 Seiten", "3.4 MB"], ("scan", None, 12, "3.4 MB")),
    ("", "", [], (None, None, None, None)),
])
def test_document_ref(name: str, title: str, info: list[str], expected: tuple) -> None:
    ref = parse.document_ref(name, title, info)
    assert (ref.kind, ref.filename, ref.file_type, ref.pages, ref.size) == ("document", *expected)


def test_document_caption_only_when_more_than_the_file_name() -> None:
    result = window([
        sep("Today"),
        raw(id="D1", tail="in", meta="9:00 AM", media="document", doc_name="plan.pdf", text="plan.pdf"),
        raw(id="D2", meta="9:01 AM", media="document", doc_name="plan.pdf", text=" plan "),
        raw(id="D3", meta="9:02 AM", media="document", doc_name="plan.pdf", text="plan.pdf, final version"),
    ])
    assert [m.text for m in result.messages] == [None, None, "plan.pdf, final version"]


def test_the_deleted_notice_tells_whose_message() -> None:
    result = window([
        sep("Today"),
        raw(id="X1", meta="9:00 AM", del_=True, del_text="own"),
        raw(id="X2", meta="9:01 AM", del_=True, del_text="other"),
    ])
    assert [(m.is_outgoing, m.kind, m.sender) for m in result.messages] == [
        (True, "deleted", None), (False, "deleted", "Lena Fischer")]


def test_own_messages_carry_the_owners_name_or_you_label() -> None:
    result = window([
        sep("Today"),
        raw(id="O1", tail="out", prefix="Você:", meta="9:00 AM", media="sticker"),
    ])
    assert [(m.sender, m.sender_name) for m in result.messages] == [("Você", None)]
    result = window([
        sep("Today"),
        raw(id="O1", tail="out", prefix="You:", meta="9:00 AM", media="sticker"),
        raw(id="O2", tail="out", ppt="[9:01 AM, 9/18/2026] Sam Carter: ", text="hi"),
    ])
    assert [(m.sender, m.sender_name) for m in result.messages] == [("Sam Carter",) * 2] * 2


def test_without_separators_a_stamp_does_not_date_its_neighbours() -> None:
    rows = [
        raw(id="U1", tail="in", ppt="[9:00 AM, 9/15/2026] Lena Fischer: ", text="a"),
        raw(id="U2", meta="9:05 AM", media="voice"),
    ]
    live = window(rows)  # the live page: separators are always drawn, so U2 is on 9/15
    assert [m.ts for m in live.messages] == [utc(2026, 9, 15, 9, 0), utc(2026, 9, 15, 9, 5)]
    fragment = window(rows, stamp_anchors=False)
    assert [m.external_id for m in fragment.messages] == ["U1"] and fragment.warnings["no_date"] == 1
    kept = window(rows, stamp_anchors=False, keep_undated=True)
    assert [(m.external_id, m.ts) for m in kept.messages] == [("U1", utc(2026, 9, 15, 9, 0)), ("U2", None)]
    with_separator = window([sep("9/15/2026"), *rows], stamp_anchors=False)
    assert [m.ts for m in with_separator.messages] == [utc(2026, 9, 15, 9, 0), utc(2026, 9, 15, 9, 5)]


# --- merge and quotes -----------------------------------------------------------------------


def msg(ext: str, **kw) -> Message:
    base = dict(external_id=ext, chat_id="c@c.us", ts=utc(2026, 9, 18, 9, 0), is_outgoing=False,
                sender="Lena", text="hello", kind="text", raw_data_id=ext, era="p6")
    base.update(kw)
    return Message(**base)


def test_merge_rows_prefers_richer_later_data() -> None:
    first = {"A": msg("A", text="hel", media=MediaRef("image", "blob:1"), kind="image"),
             "B": msg("B")}
    merged = parse.merge_rows(first, [
        msg("A", text="hello there", media=MediaRef("image"), kind="image", reactions=("👍",)),
        msg("C"),
    ])
    assert list(merged) == ["A", "B", "C"]
    assert merged["A"].text == "hello there"
    assert merged["A"].media.blob_url == "blob:1"
    assert merged["A"].reactions == ("👍",)
    again = parse.merge_rows(merged, [msg("A", text="hel", sender=None, kind="image")])
    assert again["A"].text == "hello there" and again["A"].sender == "Lena"


def test_resolve_quoted_ids() -> None:
    messages = [
        msg("Q1", text="Yes! 10am at the north gate.", is_outgoing=True, sender=None),
        msg("Q2", text="Yes! 10am at the north gate.", sender="Lena", ts=utc(2026, 9, 18, 9, 1)),
        msg("Q3", text="ok", quoted_text="Yes! 10am at the north gate.", quoted_sender="You",
            ts=utc(2026, 9, 18, 9, 5)),
        msg("Q4", text="ok", quoted_text="Yes! 10am at the", quoted_sender="Lena",
            ts=utc(2026, 9, 18, 9, 6)),
        msg("Q5", text="ok", quoted_text="nothing like it", ts=utc(2026, 9, 18, 9, 7)),
    ]
    out = {m.external_id: m.quoted_id for m in parse.resolve_quoted_ids(messages)}
    assert out == {"Q1": None, "Q2": None, "Q3": "Q1", "Q4": "Q2", "Q5": None}


# --- the date order, from the window's own evidence -----------------------------------------


def stamped(ident: str, when: str, date: str) -> dict:
    return raw(id=ident, tail="in", ppt=f"[{when}, {date}] Lena Fischer: ", text="x")


def test_a_day_above_12_decides_the_other_rows() -> None:
    result = window([stamped("Q1", "10:00", "03/09/2026"), stamped("Q2", "11:00", "14/09/2026")])
    assert [m.ts for m in result.messages] == [utc(2026, 9, 3, 10, 0), utc(2026, 9, 14, 11, 0)]
    assert not result.dates_pending


def test_a_weekday_separator_decides() -> None:
    wednesday = dt.datetime(2026, 10, 14, 12, 0, tzinfo=UTC)
    # "Friday" is 9 October: the prefix 09/10 is day first (10 September is also past)
    rows = [sep("Friday"), stamped("W1", "10:00", "09/10/2026")]
    result = parse.parse_window(rows, ctx(now=wednesday), era="p6")
    assert [m.ts for m in result.messages] == [utc(2026, 10, 9, 10, 0)]
    us = [sep("Friday"), stamped("W1", "10:00", "10/09/2026")]
    assert [m.ts for m in parse.parse_window(us, ctx(now=wednesday), era="p6").messages] == [
        utc(2026, 10, 9, 10, 0)]


def test_chronology_decides() -> None:
    # 3 Aug → 1 Sep reads forward; 8 Mar → 9 Jan would jump back in time
    result = window([stamped("R1", "10:00", "03/08/2026"), stamped("R2", "10:00", "01/09/2026")])
    assert [m.ts.date() for m in result.messages] == [dt.date(2026, 8, 3), dt.date(2026, 9, 1)]


def test_the_locale_setting_never_decides() -> None:
    for locale in ("en-US", "en-GB"):
        result = window([stamped("S1", "10:00", "03/04/2026"), stamped("S2", "10:00", "05/06/2026")],
                        locale=locale)
        assert result.messages == [] and result.dates_pending
        assert result.warnings["ambiguous_date"] == 2


def test_an_undecided_separator_waits_too() -> None:
    result = window([sep("03/04/2026"), raw(id="T1", tail="in", meta="10:00", text="x")])
    assert result.messages == [] and result.dates_pending


def test_contradicting_dates_are_reported() -> None:
    result = window([stamped("U1", "10:00", "14/09/2026"), stamped("U2", "10:00", "9/15/2026")])
    assert result.dates_contradicted


def test_window_reader_reads_a_waiting_window_again_once_the_order_is_known() -> None:
    from kenny_wa import dates
    from kenny_wa.browser import extract

    def as_raw(rows: list[dict]) -> dict:
        fields = list(rows[0])
        return {"fields": fields, "rows": [[r[f] for f in fields] for r in rows]}

    page = dates.PageDates()
    reader = extract.WindowReader(ctx(chat_dates=dates.ChatDates(page=page)))
    newest = reader.parse(as_raw([stamped("V3", "10:00", "03/09/2026"), stamped("V4", "10:00", "04/09/2026")]))
    assert newest.messages == [] and newest.dates_pending
    older = reader.parse(as_raw([stamped("V1", "10:00", "25/08/2026"), stamped("V2", "10:00", "03/09/2026")]))
    assert [m.external_id for m in older.messages] == ["V1", "V2"] and page.order == "DMY"
    late, reason = reader.settle()
    assert reason is None
    assert [(m.external_id, m.ts.date()) for m in late] == [
        ("V3", dt.date(2026, 9, 3)), ("V4", dt.date(2026, 9, 4))]


def test_window_reader_ends_ambiguous_when_the_order_stays_open() -> None:
    from kenny_wa.browser import extract

    reader = extract.WindowReader(ctx())
    fields = list(stamped("X1", "10:00", "03/04/2026"))
    reader.parse({"fields": fields, "rows": [list(stamped("X1", "10:00", "03/04/2026").values())]})
    assert reader.settle() == ([], "ambiguous_dates")
