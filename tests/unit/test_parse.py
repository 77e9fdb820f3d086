"""Pure parsing: timestamps by locale, separators, direction, senders, ids, merge."""

from __future__ import annotations

import dataclasses
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


# --- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("10:54 PM", (22, 54)),
    ("10:54 pm", (22, 54)),
    ("8:05\u202fpm", (20, 5)),
    ("8:05\u00a0AM", (8, 5)),
    ("12:00 AM", (0, 0)),
    ("12:30 PM", (12, 30)),
    ("12:30 p.m.", (12, 30)),
    ("7:15 a. m.", (7, 15)),
    ("13:52", (13, 52)),
    ("00:07", (0, 7)),
    ("9.41", (9, 41)),
    ("下午1:23", (13, 23)),
    ("上午11:05", (11, 5)),
    ("오후 3:10", (15, 10)),
])
def test_parse_time(text: str, expected: tuple[int, int]) -> None:
    assert parse.parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "13:05 PM", "0:30 am", "10:60", "ten past", ""])
def test_parse_time_rejects(text: str) -> None:
    assert parse.parse_time(text) is None


def test_parse_time_in_meta_text() -> None:
    assert parse.parse_time("Edited 11:15\u202fAM", anchored=False) == (11, 15)
    assert parse.parse_time("", anchored=False) is None


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("12/9/2025", "MDY", dt.date(2025, 12, 9)),
    ("12/9/2025", "DMY", dt.date(2025, 9, 12)),
    ("6/13/2026", "MDY", dt.date(2026, 6, 13)),
    ("14/12/2025", "DMY", dt.date(2025, 12, 14)),
    ("22/03/2026", "DMY", dt.date(2026, 3, 22)),
    ("5.09.2026", "DMY", dt.date(2026, 9, 5)),
    ("18.09.2026", "DMY", dt.date(2026, 9, 18)),
    ("2026/09/18", "YMD", dt.date(2026, 9, 18)),
    ("2026-9-18", "DMY", dt.date(2026, 9, 18)),
    ("2026年9月18日", "YMD", dt.date(2026, 9, 18)),
    ("2026. 9. 18.", "YMD", dt.date(2026, 9, 18)),
    ("9/12/26", "MDY", dt.date(2026, 9, 12)),
    ("29/02/2028", "DMY", dt.date(2028, 2, 29)),
])
def test_parse_date(text: str, order: str, expected: dt.date) -> None:
    assert parse.parse_date(text, order) == (expected, None)


@pytest.mark.parametrize(("text", "order", "warning"), [
    ("6/13/2026", "DMY", "impossible_date"),  # never swapped silently
    ("13/6/2026", "MDY", "impossible_date"),
    ("31/04/2026", "DMY", "impossible_date"),
    ("29/02/2026", "DMY", "impossible_date"),
    ("3/4/2026", None, "ambiguous_date"),
    ("2026-02-30", "YMD", "impossible_date"),
    ("tomorrow", "DMY", "unparsed_date"),
])
def test_parse_date_reports(text: str, order: str | None, warning: str) -> None:
    assert parse.parse_date(text, order) == (None, warning)


def test_unknown_order_accepts_unambiguous_dates() -> None:
    assert parse.parse_date("13/4/2026", None) == (dt.date(2026, 4, 13), None)
    assert parse.parse_date("4/13/2026", None) == (dt.date(2026, 4, 13), None)
    assert parse.parse_date("4/4/2026", None) == (dt.date(2026, 4, 4), None)


@pytest.mark.parametrize(("locale", "order"), [
    ("en-US", "MDY"), ("en-GB", "DMY"), ("pt-BR", "DMY"), ("en-IN", "DMY"), ("de-DE", "DMY"),
    ("tr-TR", "DMY"), ("zh-CN", "YMD"), ("ja-JP", "YMD"), ("en-CA", "YMD"),
])
def test_date_order_for_locale(locale: str, order: str) -> None:
    assert parse.date_order_for_locale(locale) == order


def test_date_order_from_intl_parts() -> None:
    assert parse.date_order_from_parts(["month", "literal", "day", "literal", "year"]) == "MDY"
    assert parse.date_order_from_parts(["day", "literal", "month", "literal", "year"]) == "DMY"
    assert parse.date_order_from_parts(["year", "literal", "month", "literal", "day"]) == "YMD"
    assert parse.date_order_from_parts(["literal"]) is None
    # the Intl order overrides the locale table
    assert ctx(locale="en-US", date_order="DMY").order == "DMY"


# --- data-pre-plain-text --------------------------------------------------------------------


@pytest.mark.parametrize(("ppt", "kw", "ts", "sender"), [
    ("[10:54 PM, 12/9/2025] Dana Brooks: ", {}, utc(2025, 12, 9, 22, 54), "Dana Brooks"),
    ("[8:05 pm, 14/12/2025] Sam Carter: ", {"locale": "en-GB"}, utc(2025, 12, 14, 20, 5), "Sam Carter"),
    ("[13:52, 22/03/2026] +44 7700 900123: ", {"locale": "en-GB"}, utc(2026, 3, 22, 13, 52),
     "+44 7700 900123"),
    ("[15:56, 11/07/2026] Bia Costa: ", {"locale": "pt-BR", "timezone": "America/Sao_Paulo"},
     utc(2026, 7, 11, 18, 56), "Bia Costa"),
    ("[09:30, 5.09.2026] Ayşe Kaya: ", {"locale": "tr-TR", "timezone": "Europe/Istanbul"},
     utc(2026, 9, 5, 6, 30), "Ayşe Kaya"),
    ("[下午1:23, 2026年9月18日] Wei: ", {"locale": "zh-CN", "timezone": "Asia/Shanghai"},
     utc(2026, 9, 18, 5, 23), "Wei"),
    ("[9:41\u202fAM, 9/12/2026] \u202aLena Fischer\u202c: ", {"timezone": "America/New_York"},
     utc(2026, 9, 12, 13, 41), "Lena Fischer"),
    ("[10:00, 2026/09/18] Kenji: ", {"locale": "ja-JP", "timezone": "Asia/Tokyo"},
     utc(2026, 9, 18, 1, 0), "Kenji"),
    ("[7:00 AM, 9/18/2026] Re: plans: ", {}, utc(2026, 9, 18, 7, 0), "Re: plans"),
])
def test_pre_plain_text(ppt: str, kw: dict, ts: dt.datetime, sender: str) -> None:
    stamp, who = parse.parse_pre_plain_text(ppt, ctx(**kw))
    assert (stamp.ts, stamp.warning, who) == (ts, None, sender)


def test_pre_plain_text_ambiguous_is_not_guessed() -> None:
    stamp, _ = parse.parse_pre_plain_text("[10:00, 3/4/2026] X: ", ctx(locale="xx", date_order=None))
    # "xx" falls back to D/M by the table; with no order at all the date would be ambiguous
    assert stamp.ts == utc(2026, 4, 3, 10, 0)
    ambiguous = dataclasses.replace(ctx(), date_order=None, locale="en-US")
    assert parse.parse_date("3/4/2026", None)[1] == "ambiguous_date"
    assert ambiguous.order == "MDY"


def test_pre_plain_text_impossible_and_garbage() -> None:
    stamp, _ = parse.parse_pre_plain_text("[10:54 PM, 13/25/2026] X: ", ctx())
    assert stamp.ts is None and stamp.warning == "impossible_date"
    stamp, who = parse.parse_pre_plain_text("not a stamp", ctx())
    assert stamp.warning == "unparsed_pre_plain_text" and who is None


# --- DST ------------------------------------------------------------------------------------


def test_to_utc_dst_offsets() -> None:
    assert parse.to_utc(dt.date(2026, 1, 15), 12, 0, "Europe/London") == (utc(2026, 1, 15, 12, 0), None)
    assert parse.to_utc(dt.date(2026, 7, 15), 12, 0, "Europe/London") == (utc(2026, 7, 15, 11, 0), None)
    assert parse.to_utc(dt.date(2026, 7, 15), 12, 0, "America/New_York") == (utc(2026, 7, 15, 16, 0), None)


def test_to_utc_spring_forward_gap_is_refused() -> None:
    # 2026-03-08 02:30 does not exist in New York
    assert parse.to_utc(dt.date(2026, 3, 8), 2, 30, "America/New_York") == (None, "nonexistent_local_time")


def test_to_utc_fall_back_repeat_takes_first_and_reports() -> None:
    ts, warning = parse.to_utc(dt.date(2026, 11, 1), 1, 30, "America/New_York")
    assert ts == utc(2026, 11, 1, 5, 30) and warning == "ambiguous_local_time"


# --- separators -----------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "kw", "expected"), [
    ("Today", {}, dt.date(2026, 9, 18)),
    ("TODAY", {}, dt.date(2026, 9, 18)),
    ("Yesterday", {}, dt.date(2026, 9, 17)),
    ("YESTERDAY", {}, dt.date(2026, 9, 17)),
    ("Hoje", {"locale": "pt-BR"}, dt.date(2026, 9, 18)),
    ("Ontem", {"locale": "pt-BR"}, dt.date(2026, 9, 17)),
    ("Tuesday", {}, dt.date(2026, 9, 15)),
    ("Thursday", {}, dt.date(2026, 9, 17)),
    ("Saturday", {}, dt.date(2026, 9, 12)),
    ("Friday", {}, dt.date(2026, 9, 11)),  # a week ago: today would say "Today"
    ("segunda-feira", {"locale": "pt-BR"}, dt.date(2026, 9, 14)),
    ("Quarta-feira", {"locale": "pt-BR"}, dt.date(2026, 9, 16)),
    ("sábado", {"locale": "pt-BR"}, dt.date(2026, 9, 12)),
    ("9/12/2026", {}, dt.date(2026, 9, 12)),
    ("12/09/2026", {"locale": "en-GB"}, dt.date(2026, 9, 12)),
    ("December 9, 2025", {}, dt.date(2025, 12, 9)),
    ("9 December 2025", {"locale": "en-GB"}, dt.date(2025, 12, 9)),
    ("9 de dezembro de 2025", {"locale": "pt-BR"}, dt.date(2025, 12, 9)),
    ("August 30", {}, dt.date(2026, 8, 30)),
    ("December 30", {}, dt.date(2025, 12, 30)),  # no year: the most recent past one
    ("2026年9月1日", {"locale": "zh-CN"}, dt.date(2026, 9, 1)),
])
def test_separator(label: str, kw: dict, expected: dt.date) -> None:
    assert parse.parse_separator(label, ctx(**kw)) == expected


def test_today_follows_the_chat_timezone() -> None:
    late = dt.datetime(2026, 9, 19, 2, 0, tzinfo=UTC)  # still the 18th in New York
    assert parse.parse_separator("Today", ctx(now=late, timezone="America/New_York")) == dt.date(2026, 9, 18)


@pytest.mark.parametrize("label", [
    "Messages and calls are end-to-end encrypted. No one outside of this chat can read them.",
    "Lena changed the group description", "3/4/2026 extra words", "", "31/02/2026",
])
def test_not_a_separator(label: str) -> None:
    assert parse.parse_separator(label, ctx(locale="en-GB")) is None


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
        sep("Dimanche"),  # not a date we can read
        raw(id="C2", meta="9:34 PM", text="y", tail="in"),
    ])
    assert [m.external_id for m in result.messages] == ["C1"]
    assert result.warnings["no_date"] == 1
    assert result.ids == ["C1", "C2"]


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
