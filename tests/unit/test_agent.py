from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kenny_wa.agent import AgentDecision, AgentRules, classify, normalise
from kenny_wa.config import Settings
from kenny_wa.model import Chat, Message

TS = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def chat(title: str = "Alice", chat_id: str = "15550100199@c.us", group: bool = False) -> Chat:
    return Chat(chat_id=chat_id, title=title, is_group=group, last_activity=TS, id_source="packed")


def msg(text: str | None = "hi", outgoing: bool = False, **kw) -> Message:
    return Message(
        external_id=kw.pop("external_id", "3A00"),
        chat_id="x",
        ts=TS,
        is_outgoing=outgoing,
        sender=None if outgoing else "Alice",
        text=text,
        kind=kw.pop("kind", "text"),
        raw_data_id="3A00",
        era="p6",
        **kw,
    )


AGENT = AgentDecision(True, True, False)
AGENT_ROUTED = AgentDecision(True, True, True)
KEYWORD = AgentDecision(False, True, True)
ORDINARY = AgentDecision(False, False, False)


def test_normalise_strips_phone_punctuation_bidi_and_case():
    assert normalise("\u202a+1 (555) 010-0199\u202c") == "15550100199"
    assert normalise("\u200eKenny  Bot\u200f") == "kennybot"
    assert normalise("K\u2068E\u2069NNY") == "kenny"


@pytest.mark.parametrize(
    "contact, title, chat_id",
    [
        ("+1 555 010 0199", "+1 (555) 010-0199", "title:+1 (555) 010-0199"),
        ("+15550100199", "Kenny", "15550100199@c.us"),  # saved name as title, number in JID
        ("15550100199", "Kenny", "15550100199@s.whatsapp.net"),
        ("Kenny Assistant", "\u200ekenny assistant", "123@lid"),
    ],
)
def test_agent_contact_matches_one_to_one_chat(contact, title, chat_id):
    rules = AgentRules.from_settings(Settings(agent_contact=contact))
    c = chat(title=title, chat_id=chat_id)
    assert rules.classify(c, msg()) == AGENT
    assert rules.classify(c, msg(outgoing=True)) == AGENT_ROUTED


def test_agent_contact_does_not_match_a_group_or_other_chat():
    rules = AgentRules.from_settings(Settings(agent_contact="Kenny"))
    assert rules.classify(chat(title="Kenny", chat_id="1@g.us", group=True), msg()) == ORDINARY
    assert rules.classify(chat(title="Bob"), msg()) == ORDINARY
    # a partial number is not a match
    rules = AgentRules.from_settings(Settings(agent_contact="0100199"))
    assert rules.classify(chat(title="+1 555 010 0199"), msg()) == ORDINARY


def test_agent_thread_name_matches_group_by_title():
    rules = AgentRules.from_settings(Settings(agent_thread_name="Kenny HQ"))
    group = chat(title="\u2068kenny hq\u2069", chat_id="120363@g.us", group=True)
    assert rules.classify(group, msg("anything")) == AGENT
    assert rules.classify(group, msg("note to self", outgoing=True)) == AGENT_ROUTED
    assert rules.classify(chat(title="Family", group=True), msg()) == ORDINARY


def test_deleted_message_in_agent_thread_is_flagged_but_not_routed():
    rules = AgentRules.from_settings(Settings(agent_thread_name="Kenny HQ"))
    group = chat(title="Kenny HQ", group=True)
    assert rules.classify(group, msg(None, outgoing=True, deleted=True, kind="deleted")) == AGENT


@pytest.mark.parametrize(
    "text",
    [
        "Kenny, book a table", "kenny, hi", "  \n@Kenny what's up", "@KENNY",
        "@\u2068Kenny\u2069 ping", "\u200eKenny, x",
    ],
)
def test_keyword_addressing_without_dedicated_thread(text):
    rules = AgentRules.from_settings(Settings())
    assert rules.classify(chat(), msg(text)) == KEYWORD
    assert rules.classify(chat(), msg(text, outgoing=True)) == KEYWORD


@pytest.mark.parametrize(
    "text", [None, "", "Hello Kenny, hi", "Kenny is late", "@Kennyboy hi", "Ken, hi", "x @Kenny"]
)
def test_not_addressed(text):
    assert AgentRules.from_settings(Settings()).classify(chat(), msg(text)) == ORDINARY


def test_keywords_ignored_when_dedicated_thread_configured():
    rules = AgentRules.from_settings(Settings(agent_thread_name="Kenny HQ"))
    assert rules.classify(chat(title="Bob"), msg("Kenny, do it")) == ORDINARY


def test_custom_keywords_and_deleted_text():
    rules = AgentRules.from_settings(Settings(agent_keywords=("Hey bot",)))
    assert rules.classify(chat(), msg("hey BOT do x")) == KEYWORD
    assert rules.classify(chat(), msg("hey bots")) == ORDINARY
    assert rules.classify(chat(), msg("Hey bot", deleted=True)) == ORDINARY


def test_classify_convenience():
    assert classify(chat(), msg("Kenny, x"), Settings()) == KEYWORD


@given(st.text(max_size=40))
def test_classify_never_raises_and_is_consistent(text):
    rules = AgentRules.from_settings(Settings())
    decision = rules.classify(chat(), msg(text))
    assert decision in (ORDINARY, KEYWORD)
    assert decision.route_to_agent_queue == decision.exclude_from_automation
