"""Archived chats and the unread policy, end to end: the real ``kenny-wa sync`` subprocess
against the replica (which records the linked device's read receipts, the person's reads on
the phone and the chat menu's choices) and PostgreSQL.

- defaults: archived chats are read, badged chats are deferred (0 read receipts), /health and
  /metrics count them; after the person reads them on the phone the next run stores them;
  new messages in an archived chat keep it archived;
- ``restore``: every chat is read, every chat badged before the run is marked unread after it,
  through "Mark as unread" only; a SIGKILL between opening and restoring is repaired next run;
- ``read``: today's behaviour; ``WHATSAPP_INCLUDE_ARCHIVED=false`` leaves archived chats out;
- the agent channel: the owner's own message clears the badge, so it is never deferred.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from faulthelpers import (
    as_url,
    assert_db_matches_truth,
    connect,
    cutoff_for,
    kill_tree,
    rig,
    stored_rows,
    wait_for,
)
from prometheus_client.parser import text_string_to_metric_families

from kenny_wa import health, store
from kenny_wa.replica import ground_truth

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _badged(truth: dict) -> set[str]:
    return {c["thread_external_id"] for c in truth["chats"] if ground_truth.badged(c)}


def _archived(truth: dict) -> set[str]:
    return {c["thread_external_id"] for c in truth["chats"] if c["archived"]}


def _chat(truth: dict, jid: str) -> dict:
    return next(c for c in truth["chats"] if c["thread_external_id"] == jid)


def _by_title(truth: dict, title: str) -> str:
    return next(c["thread_external_id"] for c in truth["chats"] if c["title"] == title)


def _summary(result, truth: dict) -> dict:
    """A finished run's summary: ok, or partial only for the truth's phone-prompt chats, each
    reported partial the first time it is read and counted limited after (known limits)."""
    summary = result.summary
    prompts = sum(1 for c in truth["chats"] if c["phone_prompt"])
    partial = [p["reason"] for p in summary["partial_chats"]]
    limited = [p["reason"] for p in summary["limited_chats"]]
    assert set(partial + limited) <= {"phone_prompt"}, summary
    assert len(partial) + len(limited) <= prompts, summary
    assert result.code == (3 if partial else 0), (summary, result.stderr[-3000:])
    return summary


def _threads(db_url: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in stored_rows(db_url):
        out.setdefault(row["thread_external_id"], []).append(row)
    return out


def test_defaults_defer_badged_chats_and_read_them_once_read_on_the_phone(tmp_path, db_url):
    with rig("default", tmp_path, db_url) as r:
        truth = r.replica.ground_truth()
        cutoff = cutoff_for()
        badged, archived = _badged(truth), _archived(truth)
        # the scenario: several badged chats, archived chats, one of them badged
        assert len(badged) >= 3 and archived & badged and archived - badged

        first = _summary(r.sync(timeout=170), truth)
        assert r.replica.read_receipts() == {}  # nothing was marked read by kenny-wa
        assert_db_matches_truth(db_url, truth, cutoff)  # archived included, badged left out
        threads = _threads(db_url)
        assert not badged & set(threads)
        read_archived = archived - badged
        assert read_archived <= set(threads)
        for jid, rows in threads.items():
            assert {row["metadata"]["archived"] for row in rows} == {jid in archived}
        assert first["chats_archived"] == len(archived)
        assert first["deferred_unread"] == len(badged) == len(first["deferred_chats"])
        assert not set(first["deferred_chats"]) & badged  # chat references, not chat ids
        assert r.replica.interactions() == []
        with store.connect(db_url) as conn:  # `kenny-wa status` names them by the list's titles
            titles = {c["chat_id"]: c["title"] for c in store.deferred_chats(conn)}
        assert titles == {jid: _chat(truth, jid)["title"] for jid in badged}

        # /health and /metrics: how many chats wait, and since when the oldest does
        snapshot = health.read_snapshot(as_url(db_url))
        assert snapshot.unread_waiting == len(badged) and snapshot.unread_oldest_at is not None
        now = dt.datetime.now(dt.UTC)
        _code, body = health.render_health(snapshot, now=now, interval_minutes=10)
        assert body["deferred_unread"]["chats"] == len(badged)
        assert body["deferred_unread"]["oldest_age_seconds"] >= 0
        text = health.render_metrics(snapshot, now=now)
        metrics = {f.name: f for f in text_string_to_metric_families(text)}
        assert metrics["whatsapp_sync_deferred_unread_chats"].samples[0].value == len(badged)

        # the person reads everything on the phone: the next run stores the rest, still no receipt
        assert r.replica.phone_read(None) == len(badged)
        r.replica.reset_stats()
        second = _summary(r.sync(timeout=170), truth)
        assert second["deferred_unread"] == 0 and second["chats_opened"] == len(badged)
        assert set(r.replica.stats()["opens"]) == badged
        assert_db_matches_truth(db_url, r.replica.ground_truth(), cutoff, unread="read")
        assert r.replica.read_receipts() == {}
        assert health.read_snapshot(as_url(db_url)).unread_waiting == 0

        # a new message in a read archived chat: it stays archived, waits for its badge to go
        jid = sorted(read_archived)[0]
        live = r.replica.add_message(jid, text="Are the photos from Sunday online yet?")
        assert _chat(r.replica.ground_truth(), jid)["archived"]
        third = _summary(r.sync(), truth)
        assert third["deferred_unread"] == 1 and third["inserted"] == 0
        r.replica.phone_read(jid)
        fourth = _summary(r.sync(), truth)
        assert fourth["inserted"] == 1 and fourth["deferred_unread"] == 0
        row = next(x for x in stored_rows(db_url) if x["external_id"] == live["external_id"])
        assert row["thread_external_id"] == jid and row["metadata"]["archived"] is True
        assert r.replica.read_receipts() == {}
        assert_db_matches_truth(db_url, r.replica.ground_truth(), cutoff, unread="read")


def test_restore_reads_every_chat_and_marks_the_badged_ones_unread_again(tmp_path, db_url):
    with rig("unread-small", tmp_path, db_url, WHATSAPP_UNREAD_CHATS="restore") as r:
        truth = r.replica.ground_truth()
        badged = _badged(truth)
        assert len(badged) == 4 and _archived(truth) & badged
        first = _summary(r.sync(), truth)
        assert_db_matches_truth(db_url, truth, cutoff_for(), unread="restore")
        after = r.replica.ground_truth()
        for chat in after["chats"]:
            marked = chat["thread_external_id"] in badged
            assert chat["marked_unread"] is marked and chat["unread"] == 0, chat["title"]
        assert first["unread_restored"] == len(badged) and first["unread_restore_failed"] == 0
        assert first["deferred_unread"] == 0
        # the senders saw blue ticks (the README says so): the badged chats' unread messages
        assert set(r.replica.read_receipts()) == badged
        # the one UI action: "Mark as unread" of each badged chat, nothing else, no keystroke
        chosen = sorted((e["type"], e["target"], e["chat"]) for e in r.replica.interactions())
        assert chosen == sorted(("menu", "mark_unread", jid) for jid in badged)

        # a rerun: nothing new to read, the marked chats stay marked, no menu is touched
        r.replica.reset_stats()
        second = _summary(r.sync(), truth)
        assert second["chats_opened"] == 0 and second["unread_restored"] == 0
        assert _badged(r.replica.ground_truth()) == badged
        assert len(r.replica.interactions()) == len(badged)
        with connect(db_url) as conn:
            assert conn.execute("select count(*) as n from chat_unread").fetchone()["n"] == 0


def test_sigkill_between_opening_and_restoring_is_restored_next_run(tmp_path, db_url):
    with rig("unread-small", tmp_path, db_url, WHATSAPP_UNREAD_CHATS="restore") as r:
        truth = r.replica.ground_truth()
        badged = _badged(truth)
        target = _by_title(truth, "Garden Club")
        # its older history hangs: the run is inside the chat, after the open, for a minute
        r.replica.settings(chunk_size=4, stall_chats=[target], stall_ms=60_000)
        proc = r.start()
        try:
            assert wait_for(lambda: r.replica.stats()["opens"].get(target), timeout=120), "never opened"
            time.sleep(0.3)
            with connect(db_url) as conn:  # what was opened was noted before acting on it
                pending = conn.execute(
                    "select chat_id from chat_unread where restore_pending_since is not null"
                ).fetchall()
            assert [p["chat_id"] for p in pending] == [target]
        finally:
            kill_tree(proc)
            proc.communicate(timeout=30)
        killed = _chat(r.replica.ground_truth(), target)
        assert killed["unread"] == 0 and not killed["marked_unread"]  # read, not restored

        r.replica.settings(chunk_size=40, stall_chats=[])
        _summary(r.sync(), truth)
        after = r.replica.ground_truth()
        assert _badged(after) == badged  # the killed one too: the phone shows it unread again
        assert all(c["marked_unread"] for c in after["chats"] if c["thread_external_id"] in badged)
        assert_db_matches_truth(db_url, truth, cutoff_for(), unread="restore")
        with connect(db_url) as conn:
            assert conn.execute("select count(*) as n from chat_unread").fetchone()["n"] == 0
        assert {e["target"] for e in r.replica.interactions()} == {"mark_unread"}


def test_read_policy_and_archived_off(tmp_path, db_url):
    with rig("unread-small", tmp_path, db_url) as r:
        truth = r.replica.ground_truth()
        badged, archived = _badged(truth), _archived(truth)
        first = _summary(r.sync(WHATSAPP_UNREAD_CHATS="read", WHATSAPP_INCLUDE_ARCHIVED="false"), truth)
        assert_db_matches_truth(db_url, truth, cutoff_for(), unread="read", include_archived=False)
        assert first["chats_archived"] == 0 and first["deferred_unread"] == 0
        # today's behaviour: the badged chats outside the archive were read, receipts and all
        receipts = r.replica.read_receipts()
        assert set(receipts) == badged - archived
        for jid, ids in receipts.items():
            incoming = [m["external_id"] for m in truth["messages"]
                        if m["thread_external_id"] == jid and not m["is_outgoing"]]
            assert ids == incoming[-_chat(truth, jid)["unread"]:]

        second = _summary(r.sync(WHATSAPP_UNREAD_CHATS="read"), truth)
        assert second["chats_archived"] == len(archived) and second["chats_opened"] == len(archived)
        assert_db_matches_truth(db_url, truth, cutoff_for(), unread="read")
        assert set(r.replica.read_receipts()) == badged
        assert _badged(r.replica.ground_truth()) == set()
        assert r.replica.interactions() == []


def test_agent_channel_is_never_deferred(tmp_path, db_url):
    with rig("unread-small", tmp_path, db_url, WHATSAPP_AGENT_CONTACT="Kenny Assistant") as r:
        truth = r.replica.ground_truth()
        agent = _by_title(truth, "Kenny Assistant")
        assert _chat(truth, agent)["unread"] == 1  # Kenny's last reply, not read yet
        first = _summary(r.sync(), truth)
        assert agent not in _threads(db_url) and first["deferred_unread"] == len(_badged(truth))

        # the owner writes to Kenny: their own message leaves no badge (and reads the chat on
        # the phone), so the run reads the agent channel at once
        mine = r.replica.add_message(agent, text="Kenny, add milk to the shopping list", is_outgoing=True)
        assert not ground_truth.badged(_chat(r.replica.ground_truth(), agent))
        second = _summary(r.sync(), truth)
        assert second["deferred_unread"] == len(_badged(truth)) - 1
        rows = _threads(db_url)[agent]
        assert mine["external_id"] in {x["external_id"] for x in rows}
        with connect(db_url) as conn:
            flags = conn.execute(
                "select bool_and(is_agent_channel) as agent from messages where thread_external_id = %s",
                (agent,),
            ).fetchone()
        assert flags["agent"] is True
        assert r.replica.read_receipts() == {}
