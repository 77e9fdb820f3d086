"""A chat whose history ends at "load older messages from your phone" is reported partial once,
then counted ``limited`` (complete up to that limit, exit 0) until the limit moves; a new
problem still ends the run partial with exit 3.

Real Chromium, the replica and PostgreSQL; the syncs run as ``kenny-wa sync --once --json``.
"""

from __future__ import annotations

import pytest

from kenny_wa.privacy import refs_for
from tests.faults.faulthelpers import cutoff_for, expected_messages, rig

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _prompt_chats(truth: dict) -> list[str]:
    return [c["thread_external_id"] for c in truth["chats"]
            if c["phone_prompt"] and not c["archived"] and c["history_limit"]]


def test_phone_limit_is_reported_once_then_limited(tmp_path, db_url):
    with rig("small", tmp_path, db_url) as r:
        truth = r.replica.ground_truth()
        prompts = _prompt_chats(truth)
        assert prompts, "the scenario has a chat that stops at the phone prompt"
        chat_ref = refs_for(r.settings())
        refs = sorted(chat_ref(jid) for jid in prompts)

        first = r.sync()
        assert first.code == 3, first.summary  # new: reported partial
        assert sorted(p["chat_id"] for p in first.summary["partial_chats"]) == refs
        assert {p["reason"] for p in first.summary["partial_chats"]} == {"phone_prompt"}
        assert first.summary["limited_chats"] == []

        second = r.sync()  # nothing changed: the same limit is not a new problem
        assert second.code == 0, second.summary
        assert second.summary["status"] == "ok" and second.summary["partial_chats"] == []
        assert sorted(p["chat_id"] for p in second.summary["limited_chats"]) == refs

        # new activity reopens the chat; its history still ends at the same phone limit
        r.replica.add_message(prompts[0], text="An invented new message")
        r.replica.phone_read(prompts[0])  # read on the phone: its badge would defer the chat
        third = r.sync()
        assert third.code == 0, third.summary
        assert third.summary["chats_opened"] >= 1
        assert sorted(p["chat_id"] for p in third.summary["limited_chats"]) == refs


def test_a_new_problem_beside_a_known_limit_is_still_partial(tmp_path, db_url):
    """A stall is not a known limit: it stays partial (exit 3) while the phone limit is limited."""
    with rig("small", tmp_path, db_url) as r:
        truth = r.replica.ground_truth()
        prompts = _prompt_chats(truth)
        cutoff = cutoff_for()
        counts: dict[str, int] = {}
        for m in expected_messages(truth, cutoff).values():
            counts[m["thread_external_id"]] = counts.get(m["thread_external_id"], 0) + 1
        live = [c["thread_external_id"] for c in truth["chats"] if not c["archived"] and not c["phone_prompt"]]
        stalled = max(live, key=lambda jid: counts.get(jid, 0))
        chat_ref = refs_for(r.settings())
        r.replica.settings(chunk_size=4, stall_chats=[stalled], stall_ms=60_000)
        first = r.sync(timeout=200)
        assert first.code == 3, first.summary
        assert {p["reason"] for p in first.summary["partial_chats"]} == {"phone_prompt", "stalled"}

        second = r.sync(timeout=200)
        assert second.code == 3, second.summary  # the stall is still a problem
        assert second.summary["partial_chats"] == [{"chat_id": chat_ref(stalled), "reason": "stalled"}]
        assert [p["chat_id"] for p in second.summary["limited_chats"]] == [chat_ref(j) for j in prompts]
