"""`kenny-wa status` reads as text for a person and lists incomplete chats by name; --json stays.

Real PostgreSQL: a run, a cursor and a few rows are recorded (invented data), then the command
runs as a subprocess, as the owner would run it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import psycopg
import pytest

from kenny_wa import status_text, store
from kenny_wa.privacy import chat_ref, installation_key
from kenny_wa.summary import SyncSummary

KENNY_WA = [sys.executable, "-m", "kenny_wa.cli"]
ONE_TO_ONE = "15550001111@c.us"
GROUP = "120363000000000001@g.us"


def _status(db_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "KENNY_WA_", "PG_URL"))}
    env.update(PG_URL=db_url, KENNY_WA_STATE_DIR=str(tmp_path), KENNY_WA_LOG_FORMAT="json")
    return subprocess.run([*KENNY_WA, "status", *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def recorded(db_url: str) -> str:
    now = dt.datetime.now(dt.UTC)
    with store.connect(db_url) as conn:
        run_id = store.start_run(conn, profile="/tmp/profile")
        summary = SyncSummary(chats_synced=2, messages_fetched=3, upserts=3, seconds=12.5)
        summary.add_partial("chat-0123456789ab", "history_limit")
        store.finish_run(conn, run_id, summary.as_dict())
        store.record_sync_state(conn, session_status="logged_in", success=True, interval_minutes=10)
        conn.commit()
    with psycopg.connect(db_url) as conn:
        for chat, complete, reason in ((ONE_TO_ONE, False, "history_limit"), (GROUP, False, "history_stalled")):
            conn.execute(
                "insert into chat_cursors (source, chat_id, complete, partial_reason, last_activity, last_synced_at)"
                " values ('whatsapp', %s, %s, %s, %s, %s)",
                (chat, complete, reason, now, now),
            )
        rows = [
            ("m1", ONE_TO_ONE, "Test Person Uno", [], False),
            ("m2", ONE_TO_ONE, "me", ["Test Person Uno"], True),
            ("m3", GROUP, "Invented Member", ["me"], False),
        ]
        for ext, chat, sender, recipients, outgoing in rows:
            conn.execute(
                "insert into messages (platform, external_id, thread_external_id, sender_id, recipient_ids,"
                " content_snippet, ts, is_outgoing, source_app) values"
                " ('whatsapp', %s, %s, %s, %s::jsonb, 'invented text', %s, %s, 'WhatsApp Web')",
                (ext, chat, sender, json.dumps(recipients), now, outgoing),
            )
    return db_url


def test_status_is_readable_and_names_incomplete_chats(recorded, tmp_path):
    done = _status(recorded, tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "None" not in out and "{" not in out and "'" not in out and "datetime" not in out
    assert out.startswith("WhatsApp session: logged in\n")
    assert "last successful sync: " in out and "UTC (just now)" in out
    assert "last run: partial" in out and "2 chats, 3 messages read, 3 rows written" in out
    key = installation_key(tmp_path)  # the status command's KENNY_WA_STATE_DIR
    listed = out.split("incomplete chats (2; names shown on this terminal only):\n", 1)[1].splitlines()
    assert [line.split() for line in listed] == [
        ["Test", "Person", "Uno", "history_limit", chat_ref(ONE_TO_ONE, key)],
        ["a", "group", "(Invented", "Member", "wrote", "last)", "history_stalled", chat_ref(GROUP, key)],
    ] or [line.split() for line in listed] == [
        ["a", "group", "(Invented", "Member", "wrote", "last)", "history_stalled", chat_ref(GROUP, key)],
        ["Test", "Person", "Uno", "history_limit", chat_ref(ONE_TO_ONE, key)],
    ]  # same last_activity: either order
    assert "Test Person Uno" not in done.stderr and "Invented Member" not in done.stderr  # never logged


def test_status_json_is_kept_and_carries_no_names(recorded, tmp_path):
    done = _status(recorded, tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["session_status"] == "logged_in" and doc["last_run"]["status"] == "partial"
    assert doc["jobs"] == {}  # from Procrastinate's job manager, after the store's keys
    assert "Test Person Uno" not in done.stdout


def test_render_of_an_empty_database_has_no_none():
    text = status_text.render_status({"session_status": None, "last_run": None, "rows": {}, "jobs": {}})
    assert "None" not in text
    assert "last successful sync: never" in text and "last run: none yet" in text


def test_status_chat_ref_resolves_a_ref_locally(recorded, tmp_path):
    ref = chat_ref(ONE_TO_ONE, installation_key(tmp_path))
    done = _status(recorded, tmp_path, "--chat-ref", ref)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{ref}: {ONE_TO_ONE} (Test Person Uno)"
    unknown = _status(recorded, tmp_path, "--chat-ref", "chat-000000000000")
    assert unknown.returncode == 1 and "no chat of this database" in unknown.stderr
    bad = _status(recorded, tmp_path, "--chat-ref", "15550001111")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "kenny-wa: --chat-ref='15550001111' is invalid: expected a chat reference such as chat-0123456789ab"
    )


DEFERRED_GROUP = "120363000000000002@g.us"  # never opened: no message names it


def test_status_lists_deferred_chats_by_the_title_the_list_showed(recorded, tmp_path):
    waited = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    with store.connect(recorded) as conn:
        store.record_deferred(conn, [DEFERRED_GROUP, ONE_TO_ONE], now=waited, settle=False,
                              titles={DEFERRED_GROUP: "Invented Book Circle", ONE_TO_ONE: "Test Person Uno"})
        conn.commit()
    done = _status(recorded, tmp_path)
    assert done.returncode == 0, done.stderr
    key = installation_key(tmp_path)
    header = "waiting until their unread badge goes (2; names shown on this terminal only):\n"
    listed = done.stdout.split(header, 1)[1].splitlines()
    assert [line.split("  since ")[0].strip() for line in listed] == ["Invented Book Circle", "Test Person Uno"]
    assert all("UTC (5 h 0 min ago)" in line for line in listed)
    assert listed[0].endswith(chat_ref(DEFERRED_GROUP, key))
    assert "Invented Book Circle" not in done.stderr
    # a ref of a chat known only as deferred resolves too, with its title
    ref = chat_ref(DEFERRED_GROUP, key)
    resolved = _status(recorded, tmp_path, "--chat-ref", ref)
    assert resolved.stdout.strip() == f"{ref}: {DEFERRED_GROUP} (Invented Book Circle)", resolved.stderr
    assert "Invented Book Circle" not in _status(recorded, tmp_path, "--json").stdout
