"""The real ``kenny-wa sync --once --json`` subprocess against the replica and PostgreSQL.

Covers the whole chain end to end: a full sync lands exactly the ground truth (rows, image
files at their content address, one extraction job per stored image), an unchanged rerun
opens no chat and writes nothing, live arrivals open exactly their chats; the agent rules
(dedicated thread and keyword addressing, with the agent job); and the p4 -> p6 DOM era
switch keeps one row per message.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from faulthelpers import (
    as_url,
    assert_db_matches_truth,
    assert_files_clean,
    connect,
    cutoff_for,
    expected_messages,
    rig,
    stored_rows,
)

from kenny_wa import jobs
from tests.conftest import create_database, drop_database, url_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONTENT_ADDRESS = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})\.[A-Za-z0-9]+$")


def _ok(result, truth: dict | None = None) -> dict:
    """A successful run's summary. A chat that stops at the phone prompt ("use your phone to
    see older messages") is reported partial (exit 3) the first time, then counted as
    ``limited`` (exit 0) while the limit stays; only that reason is accepted, and only for the
    truth's phone-prompt chats."""
    summary = result.summary
    prompts = sum(1 for c in (truth or {}).get("chats", []) if c["phone_prompt"])
    reasons = [p["reason"] for p in summary["partial_chats"] + summary["limited_chats"]]
    if prompts:
        assert reasons == ["phone_prompt"] * prompts, summary
        expected = 3 if summary["partial_chats"] else 0
        assert result.code == expected, (summary, result.stderr[-3000:])
    else:
        assert result.code == 0, result.stderr[-3000:]
    return summary


def _live_chats(truth: dict, cutoff, n: int) -> list[dict]:
    """``n`` unarchived, unbadged chats without a phone prompt that have messages within the
    cutoff."""
    have = {m["thread_external_id"] for m in expected_messages(truth, cutoff).values()}
    chats = [c for c in truth["chats"]
             if not c["archived"] and not c["phone_prompt"] and not c["unread"] and not c["marked_unread"]
             and c["thread_external_id"] in have]
    assert len(chats) >= n, "scenario has too few live chats"
    return chats[:n]


def test_default_scenario_lands_in_postgres_exactly(tmp_path, db_url):
    with rig("default", tmp_path, db_url, latency_ms=0) as r:
        truth = r.replica.ground_truth()
        cutoff = cutoff_for()
        first = _ok(r.sync(timeout=170), truth)
        assert first["inserted"] > 0

        # rows equal the ground truth (ids and every compared column, has_attachments included)
        assert_db_matches_truth(db_url, truth, cutoff)
        want = expected_messages(truth, cutoff)
        rows = stored_rows(db_url)
        with_att = {r_["external_id"] for r_ in rows if r_["has_attachments"]}
        assert with_att == {k for k, m in want.items() if m["has_attachments"]}

        # files: content-addressed, sha256 = checksum = truth; one extraction job each
        # (assert_files_clean checks the jobs; below, the two-level folder layout)
        assert_files_clean(db_url, r.attachments, truth)
        with connect(db_url) as conn:
            stored = conn.execute(
                "select a.id, a.file_path, a.checksum, m.external_id from attachments a "
                "join messages m on m.id = a.message_id where a.status = 'stored'"
            ).fetchall()
        assert stored, "the default scenario has images; none was stored"
        # the summary counts what was written: every row new, every stored image saved once
        assert (first["inserted"], first["updated"]) == (len(rows), 0), first
        assert first["upserts"] == len(rows) and first["messages_fetched"] >= len(rows), first
        with connect(db_url) as conn:
            failed = conn.execute("select count(*) as n from attachments where status = 'failed'").fetchone()
        assert (first["attachments_saved"], first["attachments_failed"]) == (len(stored), failed["n"]), first
        assert first["chats_synced"] == first["chats_opened"] > 0, first
        root = r.attachments.resolve()
        for att in stored:
            path = Path(att["file_path"]).resolve()
            rel = path.relative_to(root).as_posix()
            match = CONTENT_ADDRESS.match(rel)
            assert match, rel
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert match.group(1) == digest == att["checksum"]
            assert rel.startswith(f"{digest[:2]}/{digest[2:4]}/")
            assert digest == want[att["external_id"]]["attachments"][0]["sha256"]

        # an unchanged rerun opens nothing and writes nothing
        r.replica.reset_stats()
        second = _ok(r.sync(), truth)
        assert second["inserted"] == 0 and second["updated"] == 0, second
        assert second["chats_opened"] == 0, second
        assert (second["messages_fetched"], second["upserts"], second["unchanged"]) == (0, 0, 0), second
        assert not r.replica.stats()["opens"]

        # two live arrivals, the incoming one read on the phone (else its badge defers it):
        # exactly their chats are opened, two rows inserted
        a, b = _live_chats(truth, cutoff, 2)
        new_in = r.replica.add_message(a["thread_external_id"], text="Are we still on for lunch tomorrow?")
        new_out = r.replica.add_message(b["thread_external_id"], text="Sent the slides, have a look",
                                        is_outgoing=True)
        assert r.replica.phone_read(a["thread_external_id"]) == 1
        r.replica.reset_stats()
        third = _ok(r.sync(), truth)
        assert third["chats_opened"] == 2, third
        assert set(r.replica.stats()["opens"]) == {a["thread_external_id"], b["thread_external_id"]}
        assert third["inserted"] == 2 and third["updated"] == 0, third
        assert third["upserts"] == 2 and third["chats_synced"] == 2, third
        # the rest of the two chats' windows was read again and found as stored
        assert third["unchanged"] == third["messages_fetched"] - 2 > 0, third
        ids = {r_["external_id"] for r_ in stored_rows(db_url)}
        assert {new_in["external_id"], new_out["external_id"]} <= ids
        assert_db_matches_truth(db_url, r.replica.ground_truth(), cutoff_for())


def test_agent_thread_and_keyword_flags(tmp_path, db_url, pg_server_url, pg_template):
    with rig("faults-small", tmp_path, db_url, latency_ms=0) as r:
        truth = r.replica.ground_truth()
        cutoff = cutoff_for()
        agent_chat = _live_chats(truth, cutoff, 1)[0]
        _ok(r.sync(WHATSAPP_AGENT_THREAD_NAME=agent_chat["title"]))
        with connect(db_url) as conn:
            rows = conn.execute(
                "select thread_external_id, is_agent_channel, exclude_from_automation from messages"
            ).fetchall()
        mine = [x for x in rows if x["thread_external_id"] == agent_chat["thread_external_id"]]
        assert mine, "the agent thread has no stored message"
        assert all(x["is_agent_channel"] and x["exclude_from_automation"] for x in mine)
        assert not any(x["is_agent_channel"] for x in rows
                       if x["thread_external_id"] != agent_chat["thread_external_id"])

        # a second database, no dedicated thread: keyword addressing routes one live message
        name = create_database(pg_server_url, "kwa_agent_kw", template=pg_template)
        other = as_url(url_for(pg_server_url, name))
        try:
            live = r.replica.add_message(agent_chat["thread_external_id"],
                                         text="Kenny, can you find the plumber's quote from March?")
            r.replica.phone_read(agent_chat["thread_external_id"])  # else its badge defers it
            _ok(r.sync(PG_URL=other))
            with connect(other) as conn:
                row = conn.execute(
                    "select id, is_agent_channel, exclude_from_automation from messages "
                    "where external_id = %s", (live["external_id"],)
                ).fetchone()
                assert row is not None
                assert row["exclude_from_automation"] is True
                assert row["is_agent_channel"] is False
                agent_jobs = conn.execute(
                    "select args from procrastinate_jobs where task_name = %s", (jobs.AGENT_TASK,)
                ).fetchall()
                assert not conn.execute(
                    "select 1 from messages where is_agent_channel").fetchall()
            assert [j["args"] for j in agent_jobs] == [{"message_id": row["id"]}]
        finally:
            drop_database(pg_server_url, name)


def test_same_message_in_p4_and_p6_is_one_row(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url, latency_ms=0) as r:
        truth = r.replica.ground_truth()
        r.replica.settings(era="p4")
        first = _ok(r.sync())
        rows = stored_rows(db_url)
        want = expected_messages(truth, cutoff_for())
        assert len(rows) == len(want)
        assert {x["metadata"].get("era") for x in rows} == {"p4"}

        r.replica.settings(era="p6")
        second = _ok(r.sync())
        assert second["inserted"] == 0, (first, second)
        rows = stored_rows(db_url)
        ids = [x["external_id"] for x in rows]
        assert len(ids) == len(set(ids)), "duplicate external_id"
        assert len(rows) == len(want) and set(ids) == set(want)
        assert_db_matches_truth(db_url, truth, cutoff_for())
