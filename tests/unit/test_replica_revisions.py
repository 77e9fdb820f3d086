"""The replica's edit / revoke / react: the data the page renders and the ground truth (no browser)."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa.replica import payload, scenario
from kenny_wa.replica.state import ReplicaState, Settings


@pytest.fixture
def state() -> ReplicaState:
    return ReplicaState(scenario.load("faults-small", 1), Settings())


def _by_text(state: ReplicaState, text: str):
    return next(m for c in state.scenario.chats for m in c.messages if m.text == text)


def _page_row(state: ReplicaState, msg) -> dict:
    rows = state.messages_payload(msg.chat_jid, "open", None)["messages"]
    return next(r for r in rows if r["id"] == msg.id)


def test_an_edit_shows_the_new_text_with_the_edited_label_and_the_truth_follows(state):
    msg = _by_text(state, "Carla message 2")
    version = state.version
    truth = state.edit_message(msg.id, "Carla message 2, corrected")
    assert state.version == version + 1  # the page refreshes
    assert truth["content_snippet"] == "Carla message 2, corrected" and truth["edited"]
    row = _page_row(state, msg)
    assert row["edited"] and row["segs"] == [["t", "Carla message 2, corrected"]]
    gt = next(m for m in state.ground_truth()["messages"] if m["external_id"] == msg.id)
    assert gt == truth


def test_a_revoked_message_is_a_tombstone_without_text_media_or_reactions(state):
    msg = _by_text(state, "Group photo")
    truth = state.revoke_message(msg.id)
    assert truth["deleted"] and truth["content_snippet"] is None and truth["kind"] == "deleted"
    row = _page_row(state, msg)
    assert row["kind"] == "deleted" and row["segs"] == [] and "att" not in row
    assert payload.summary_text(msg) is None  # the page words the tombstone in its language
    with pytest.raises(ValueError):
        state.edit_message(msg.id, "too late")


def test_reactions_add_up_and_an_empty_emoji_clears_them(state):
    msg = _by_text(state, "Carla message 5")
    state.react(msg.id, "👍")
    state.react(msg.id, "❤️")
    truth = state.react(msg.id, "👍")
    assert msg.reactions == (("👍", 2), ("❤️", 1))
    assert truth["reactions"] == ["👍", "❤"]  # the scraper's semantics: once each, no variation selector
    assert _page_row(state, msg)["reactions"] == [["👍", 2], ["❤️", 1]]
    assert state.react(msg.id, "")["reactions"] == []


def test_unknown_messages_are_refused(state):
    with pytest.raises(KeyError):
        state.edit_message("NOPE", "x")
    e2e = next(m for c in state.scenario.chats for m in c.messages if not m.is_message)
    with pytest.raises(KeyError):
        state.revoke_message(e2e.id)


def test_a_message_can_be_added_in_a_given_minute_but_not_before_the_last_one(state):
    chat = next(c for c in state.scenario.chats if c.title == "Carla Dias")
    now = dt.datetime.now(dt.UTC)
    first = state.add_message(chat.jid, "one", at=now)
    second = state.add_message(chat.jid, "two", at=now.replace(second=59))
    assert first["ts"] == second["ts"]
    with pytest.raises(ValueError):
        state.add_message(chat.jid, "three", at=now - dt.timedelta(hours=1))
