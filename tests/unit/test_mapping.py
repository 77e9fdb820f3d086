from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kenny_wa import mapping, model
from kenny_wa.config import Settings
from kenny_wa.model import MEDIA_KINDS, MESSAGE_KINDS, Chat, MediaRef, Message

SETTINGS = Settings(self_id="owner")
TS = dt.datetime(2026, 5, 1, 14, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Lisbon"))
ONE = Chat("15550100199@c.us", "Alice", False, TS, "packed")
GROUP = Chat(
    "120363@g.us", "Family", True, TS, "packed",
    participants=("Alice", "\u2068+1 555 010 0123\u2069", "You", "Bob", "Alice"),
)


def msg(**kw) -> Message:
    base = dict(
        external_id="3A4689CE2A81856D4BB0", chat_id="15550100199@c.us", ts=TS,
        is_outgoing=False, sender="Alice", text="hello", kind="text",
        raw_data_id="false_15550100199@c.us_3A4689CE2A81856D4BB0", era="p5",
    )
    base.update(kw)
    return Message(**base)


def test_row_has_exactly_the_messages_columns():
    row = mapping.message_row(msg(), ONE, SETTINGS)
    assert tuple(row) == model.MESSAGE_COLUMNS
    assert row["platform"] == "whatsapp"
    assert row["source_app"] == "WhatsApp Web"
    assert row["external_id"] == "3A4689CE2A81856D4BB0"
    assert row["thread_external_id"] == "15550100199@c.us"
    json.dumps(row["metadata"])
    json.dumps(row["recipient_ids"])


def test_ts_is_utc():
    row = mapping.message_row(msg(), ONE, SETTINGS)
    assert row["ts"].tzinfo == dt.UTC
    assert row["ts"] == TS
    assert row["ts"].hour == 13
    with pytest.raises(ValueError):
        mapping.message_row(msg(ts=dt.datetime(2026, 5, 1)), ONE, SETTINGS)


def test_one_to_one_incoming_and_outgoing():
    incoming = mapping.message_row(msg(), ONE, SETTINGS)
    assert incoming["sender_id"] == "Alice"
    assert incoming["recipient_ids"] == ["owner"]
    assert incoming["is_outgoing"] is False
    outgoing = mapping.message_row(msg(is_outgoing=True, sender=None), ONE, SETTINGS)
    assert outgoing["sender_id"] == "owner"
    assert outgoing["recipient_ids"] == ["Alice"]
    assert outgoing["is_outgoing"] is True


def test_one_to_one_incoming_without_sender_uses_chat_title():
    assert mapping.message_row(msg(sender=None), ONE, SETTINGS)["sender_id"] == "Alice"


def test_group_recipients():
    incoming = mapping.message_row(msg(chat_id=GROUP.chat_id), GROUP, SETTINGS)
    assert incoming["recipient_ids"] == ["+1 555 010 0123", "Bob", "owner"]
    outgoing = mapping.message_row(
        msg(chat_id=GROUP.chat_id, is_outgoing=True, sender=None), GROUP, SETTINGS
    )
    assert outgoing["sender_id"] == "owner"
    assert outgoing["recipient_ids"] == ["+1 555 010 0123", "Alice", "Bob"]
    unknown = mapping.message_row(msg(chat_id=GROUP.chat_id, sender=None), GROUP, SETTINGS)
    assert unknown["sender_id"] == mapping.UNKNOWN_SENDER


def test_group_without_participant_list_still_has_self():
    group = Chat("1@g.us", "G", True, TS, "packed")
    assert mapping.message_row(msg(), group, SETTINGS)["recipient_ids"] == ["owner"]


def test_localised_you_label():
    group = Chat("1@g.us", "G", True, TS, "packed", participants=("Você", "Ana"))
    row = mapping.message_row(msg(sender="Ana"), group, SETTINGS)
    assert row["recipient_ids"] == ["owner"]


@pytest.mark.parametrize("kind", sorted(MEDIA_KINDS))
def test_media_kinds_have_attachments(kind):
    row = mapping.message_row(msg(kind=kind, text=None, media=MediaRef(kind=kind)), ONE, SETTINGS)
    assert row["has_attachments"] is True
    assert row["content_snippet"] is None


def test_caption_is_snippet_and_text_has_no_attachment():
    row = mapping.message_row(msg(kind="image", text="look"), ONE, SETTINGS)
    assert row["content_snippet"] == "look"
    assert mapping.message_row(msg(), ONE, SETTINGS)["has_attachments"] is False


def test_deleted_has_no_snippet():
    row = mapping.message_row(msg(kind="deleted", deleted=True, text="old"), ONE, SETTINGS)
    assert row["content_snippet"] is None
    assert row["metadata"]["deleted"] is True


def test_metadata_holds_structure_not_content():
    row = mapping.message_row(
        msg(
            quoted_text="secret quoted words", quoted_sender="Bob", quoted_id="QID",
            forwarded=True, edited=True, sender_name="Ali", reactions=("👍", "❤️"),
        ),
        ONE, SETTINGS,
    )
    meta = row["metadata"]
    assert meta == {
        "kind": "text", "quoted_id": "QID", "quoted_sender": "Bob", "forwarded": True,
        "edited": True, "deleted": False, "sender_name": "Ali",
        "raw_data_id": "false_15550100199@c.us_3A4689CE2A81856D4BB0", "era": "p5",
        "reactions": ["👍", "❤️"], "agent_route": False, "archived": False,
    }
    assert "secret" not in json.dumps(row, default=str)


def test_metadata_says_the_chat_was_archived():
    archived = dataclasses.replace(ONE, archived=True)
    assert mapping.message_row(msg(), archived, SETTINGS)["metadata"]["archived"] is True
    assert mapping.message_row(msg(), ONE, SETTINGS)["metadata"]["archived"] is False
def test_document_metadata_and_the_owners_name():
    doc = MediaRef("document", filename="plan\x00.pdf", file_type="PDF", pages=3, size="1.2 MB")
    row = mapping.message_row(msg(kind="document", media=doc, text=None), ONE, SETTINGS)
    assert row["metadata"]["document"] == {
        "filename": "plan.pdf", "type": "PDF", "pages": 3, "size": "1.2 MB"}
    assert "document" not in mapping.message_row(msg(), ONE, SETTINGS)["metadata"]
    own = mapping.message_row(
        msg(is_outgoing=True, sender="Sam Carter", sender_name="Sam Carter"), ONE, SETTINGS)
    assert own["sender_id"] == SETTINGS.self_id
    assert own["metadata"]["sender_name"] == "Sam Carter"


def test_agent_flags_come_from_agent_rules():
    settings = Settings(self_id="owner", agent_contact="+1 555 010 0199")
    row = mapping.message_row(msg(is_outgoing=True, sender=None), ONE, settings)
    assert row["is_agent_channel"] and row["exclude_from_automation"]
    assert mapping.routes_to_agent(row)
    keyword = mapping.message_row(msg(text="@Kenny lunch?"), ONE, SETTINGS)
    assert not keyword["is_agent_channel"] and keyword["exclude_from_automation"]
    assert mapping.routes_to_agent(keyword)
    assert not mapping.routes_to_agent(mapping.message_row(msg(), ONE, SETTINGS))


def test_message_rows_maps_a_batch():
    rows = mapping.message_rows([msg(), msg(external_id="B", text="Kenny, x")], ONE, SETTINGS)
    assert [r["external_id"] for r in rows] == ["3A4689CE2A81856D4BB0", "B"]
    assert [mapping.routes_to_agent(r) for r in rows] == [False, True]


def test_strings_are_made_storable():
    row = mapping.message_row(msg(text="a\x00b\ud83d", sender="Al\x00ice"), ONE, SETTINGS)
    assert row["content_snippet"] == "ab\ufffd"
    assert row["sender_id"] == "Alice"
    row["content_snippet"].encode("utf-8")


@given(
    text=st.one_of(st.none(), st.text()),
    sender=st.one_of(st.none(), st.text()),
    kind=st.sampled_from(MESSAGE_KINDS),
    outgoing=st.booleans(),
    participants=st.lists(st.text(max_size=10), max_size=5),
    is_group=st.booleans(),
)
def test_rows_are_always_storable(text, sender, kind, outgoing, participants, is_group):
    chat = Chat("c@g.us", "T", is_group, TS, "packed", participants=tuple(participants))
    row = mapping.message_row(
        msg(text=text, sender=None if outgoing else sender, kind=kind, is_outgoing=outgoing),
        chat, SETTINGS,
    )
    encoded = json.dumps(row, default=str, ensure_ascii=False)
    encoded.encode("utf-8")
    assert "\x00" not in encoded
    assert row["recipient_ids"] == sorted(set(row["recipient_ids"]))
    assert row["sender_id"] not in row["recipient_ids"] or not is_group
    assert row["has_attachments"] == (kind in MEDIA_KINDS)
