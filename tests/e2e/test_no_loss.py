"""Never miss, never go stale: the replica, Chromium and a real PostgreSQL, in-process syncs.

- two messages in one minute around a sync are both stored (the cursor's minute is never
  trusted as done), and a quiet chat is opened once more at most;
- an edit, a deletion for everyone and a reaction of older messages in a quiet chat reach the
  database within one revision sweep, and the unchanged sweep writes nothing;
- an image whose write failed, in a chat at the phone's history limit (never reopened for
  itself), is retried on its own by the next run.

The runs are in-process (``sync.run_sync``) so a test can give a run its clock: "this read
began inside the minute" is then a fact of the test, not a race with the wall clock.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from faulthelpers import (
    as_url,
    assert_db_matches_truth,
    assert_files_clean,
    connect,
    cutoff_for,
    rig,
)

from kenny_wa import sync

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _run(r, now: dt.datetime | None = None, **env: str):
    summary = sync.run_sync(r.settings(**env), now=now)
    assert summary.status in ("ok", "partial"), summary
    return summary


def _ts(truth_ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(truth_ts.replace("Z", "+00:00"))


def _rows(db_url: str, ids: list[str]) -> dict[str, dict]:
    with connect(as_url(db_url)) as conn:
        got = conn.execute(
            "select id, external_id, content_snippet, ts, metadata from messages where external_id = any(%s)",
            (ids,),
        ).fetchall()
    return {r["external_id"]: r for r in got}


def _chat(truth: dict, title: str) -> str:
    return next(c["thread_external_id"] for c in truth["chats"] if c["title"] == title)


def _message(truth: dict, text: str) -> dict:
    return next(m for m in truth["messages"] if m["content_snippet"] == text)


def test_two_messages_in_one_minute_around_a_sync_are_both_stored(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url) as r:
        _run(r)  # the first, full sync
        chat = _chat(r.replica.ground_truth(), "Carla Dias")
        a = r.replica.add_message(chat, text="first of the minute")
        r.replica.phone_read(chat)  # read on the phone: its badge would defer the chat
        minute = _ts(a["ts"])
        # a sync whose clock is inside that minute: it stores a, its cursor is that minute
        during = _run(r, now=minute + dt.timedelta(seconds=30))
        assert during.inserted == 1 and during.chats_opened == 1, during
        # another message in the same minute: the list still shows the cursor's minute
        b = r.replica.add_message(chat, text="second of the minute", at=minute)
        r.replica.phone_read(chat)
        assert _ts(b["ts"]) == minute
        r.replica.reset_stats()
        after = _run(r, now=minute + dt.timedelta(seconds=50))
        assert after.inserted == 1 and after.updated == 0, after  # b; a was deduplicated by id
        assert set(r.replica.stats()["opens"]) == {chat}
        rows = _rows(db_url, [a["external_id"], b["external_id"]])
        assert set(rows) == {a["external_id"], b["external_id"]}
        # the page's order is kept within the minute: a before b
        assert rows[a["external_id"]]["metadata"]["position"] == 0
        assert rows[b["external_id"]]["metadata"]["position"] == 1
        # a read that began after the minute was over: once more (nothing new, nothing written)…
        r.replica.reset_stats()
        over = minute + dt.timedelta(minutes=2, seconds=1)
        settled = _run(r, now=over)
        assert settled.chats_opened == 1 and settled.upserts == 0, settled
        # …and then the quiet chat is trusted: no chat is opened
        quiet = _run(r, now=over + dt.timedelta(seconds=5))
        assert quiet.chats_opened == 0 and quiet.upserts == 0, quiet
        assert_db_matches_truth(db_url, r.replica.ground_truth(), cutoff_for())


def test_edits_deletions_and_reactions_of_a_quiet_chat_arrive_within_one_sweep(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url) as r:
        first = _run(r)
        assert first.sweep  # the first run is a sweep too (nothing was swept before)
        truth = r.replica.ground_truth()
        edited = _message(truth, "Carla message 2")
        revoked = _message(truth, "Carla message 3")
        reacted = _message(truth, "Carla message 5")
        outside = _message(truth, "Group hello")  # a chat quiet for longer than the window below
        r.replica.edit(edited["external_id"], "Carla message 2, corrected")
        r.replica.revoke(revoked["external_id"])
        r.replica.react(reacted["external_id"], "👍")
        r.replica.edit(outside["external_id"], "Group hello again")

        # the sweep is not due yet (every 6 hours by default): the quiet chats stay closed
        plain = _run(r)
        assert not plain.sweep and plain.chats_opened == 0 and plain.revised == 0, plain

        window = {"WHATSAPP_REVISION_SWEEP_HOURS": "0", "WHATSAPP_REVISION_WINDOW_HOURS": "12"}
        swept = _run(r, **window)
        assert swept.sweep and swept.chats_swept == 1 and swept.chats_opened == 1, swept
        assert swept.revised == 3 and swept.updated == 3 and swept.inserted == 0, swept
        rows = _rows(db_url, [edited["external_id"], revoked["external_id"], reacted["external_id"]])
        fixed = rows[edited["external_id"]]
        assert fixed["content_snippet"] == "Carla message 2, corrected"
        assert fixed["metadata"]["edited"] is True
        gone = rows[revoked["external_id"]]
        assert gone["content_snippet"] is None and gone["metadata"]["deleted"] is True
        assert "Carla message 3" not in json.dumps(gone["metadata"], ensure_ascii=False)
        assert rows[reacted["external_id"]]["metadata"]["reactions"] == ["👍"]
        with connect(as_url(db_url)) as conn:
            kept = conn.execute(
                "select m.external_id, r.content_snippet from message_revisions r "
                "join messages m on m.id = r.message_id order by r.id").fetchall()
            runs = conn.execute("select revised from sync_runs order by id").fetchall()
        assert [(k["external_id"], k["content_snippet"]) for k in kept] == [
            (edited["external_id"], "Carla message 2")]
        assert [x["revised"] for x in runs] == [0, 0, 3]
        # the row of the chat outside the window is as it was
        assert _rows(db_url, [outside["external_id"]])[outside["external_id"]]["content_snippet"] == "Group hello"

        # the unchanged sweep rereads the window and writes nothing
        again = _run(r, **window)
        assert again.chats_opened == 1 and again.upserts == 0 and again.revised == 0, again


def _prompt_scenario(tmp: Path) -> Path:
    spec = {
        "name": "prompt-images",
        "own_name": "Kenny Marsh",
        "chats": [
            {"contact": {"name": "Nadia Prompt", "phone": "+1 555 0100 301"}, "phone_prompt": True,
             "messages": [
                 {"from": "them", "minutes_ago": 900, "text": "Prompt message 0"},
                 {"from": "them", "minutes_ago": 880, "kind": "image", "text": "Prompt photo"},
                 {"from": "me", "minutes_ago": 860, "text": "Prompt message 2"},
                 {"from": "them", "minutes_ago": 300, "text": "Prompt message 3"},
             ]},
            {"contact": {"name": "Omar Plain", "phone": "+1 555 0100 302"},
             "messages": [{"from": "them", "minutes_ago": 500, "text": "Plain message 0"}]},
        ],
    }
    path = tmp / "prompt-images.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _attachments(db_url: str) -> list[dict]:
    with connect(as_url(db_url)) as conn:
        return conn.execute("select status, reason, tries from attachments order by id").fetchall()


def test_an_image_whose_write_failed_is_retried_in_a_chat_at_the_phone_limit(tmp_path, db_url):
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file where a folder should be")
    target = blocker / "attachments"  # mkdir below a file fails even for root
    scenario = _prompt_scenario(tmp_path)
    with rig(str(scenario), tmp_path, db_url, ATTACHMENTS_DIR=str(target)) as r:
        truth = r.replica.ground_truth()
        first = _run(r)
        assert first.status == "partial" and first.attachments_failed == 1, first
        assert [p["reason"] for p in first.partial_chats] == ["phone_prompt"]
        assert [(a["status"], a["reason"]) for a in _attachments(db_url)] == [("failed", "write_failed")]
        blocker.unlink()  # writable again
        r.replica.reset_stats()
        second = _run(r)
        assert second.chats_retried == 1 and second.chats_opened == 1, second
        assert second.attachments_saved == 1 and second.upserts == 0, second
        assert list(r.replica.stats()["opens"]) == [_chat(truth, "Nadia Prompt")]
        assert [(a["status"], a["reason"]) for a in _attachments(db_url)] == [("stored", None)]
        assert_files_clean(as_url(db_url), target, truth)
        assert_db_matches_truth(db_url, truth, cutoff_for())
        # nothing left to retry: the chat at the phone's limit is not opened again
        third = _run(r)
        assert third.chats_opened == 0 and third.chats_retried == 0, third


def test_a_failing_image_is_retried_a_bounded_number_of_times_and_keeps_its_reason(tmp_path, db_url):
    from kenny_wa import persist

    blocker = tmp_path / "blocker"
    blocker.write_text("never a folder")
    scenario = _prompt_scenario(tmp_path)
    with rig(str(scenario), tmp_path, db_url, ATTACHMENTS_DIR=str(blocker / "attachments")) as r:
        _run(r)
        opened = [_run(r).chats_retried for _ in range(persist.ATTACHMENT_MAX_TRIES + 1)]
        assert opened == [1] * persist.ATTACHMENT_MAX_TRIES + [0], opened
        assert [(a["status"], a["reason"], a["tries"]) for a in _attachments(db_url)] == [
            ("failed", "write_failed", persist.ATTACHMENT_MAX_TRIES)]
