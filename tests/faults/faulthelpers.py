"""Fault-injection helpers: a replica with a pre-paired profile, the CLI as a subprocess, checks.

Every test here runs the real pieces: the replica (``kenny_wa.replica``) in a thread of the
test process, Chromium, and a real PostgreSQL (``db_url`` from tests/conftest.py). Syncs run
as ``kenny-wa sync --once --json`` subprocesses so they can be killed like a real deployment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import navhelpers
import psycopg
import pytest
from psycopg.rows import dict_row

from kenny_wa import jobs, sync
from kenny_wa.store.text import clean_text

CHROMIUM = "/usr/bin/chromium"
KENNY_WA = [sys.executable, "-m", "kenny_wa.cli"]
# variables of the developer's shell that must not leak into a test's subprocess
_SCRUB = ("PG_URL", "ATTACHMENTS_DIR", "WHATSAPP_", "KENNY_WA_", "IMAGE_", "PREFECT_API_URL")


def chromium_or_skip() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium not installed")


@dataclass
class Rig:
    """A replica, a profile paired with it, a database and an attachments folder."""

    replica: object
    tmp: Path
    db_url: str
    env: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def attachments(self) -> Path:
        return Path(self.env["ATTACHMENTS_DIR"])

    @property
    def profile(self) -> Path:
        return Path(self.env["WHATSAPP_PROFILE_DIR"])

    def settings(self, **env: str):
        from kenny_wa.config import load_settings

        return load_settings({**self.env, **env})

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """Start ``kenny-wa sync --once --json`` (own process group, so its tree can be killed)."""
        full = {**base_env(), **self.env, **env}
        return subprocess.Popen(
            [*KENNY_WA, "sync", "--once", "--json", *args],
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def sync(self, *args: str, timeout: float = 150, **env: str) -> Result:
        proc = self.start(*args, **env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            out, err = proc.communicate()
            raise AssertionError(f"sync did not finish in {timeout}s; stderr tail: {err[-2000:]}") from None
        return Result(proc.returncode, out, err)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict:
        lines = [line for line in self.stdout.splitlines() if line.strip().startswith("{")]
        assert lines, f"no JSON summary (exit {self.code}); stderr tail: {self.stderr[-3000:]}"
        return json.loads(lines[-1])

    def logs(self) -> list[dict]:
        out = []
        for line in self.stderr.splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def kill_tree(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Kill the process group started for ``proc`` (the CLI, Playwright's driver, Chromium)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def as_url(conninfo: str) -> str:
    """A ``postgresql://`` URL for a conninfo string (PG_URL accepts URLs only)."""
    from urllib.parse import quote

    from psycopg.conninfo import conninfo_to_dict

    if conninfo.startswith(("postgres://", "postgresql://")):
        return conninfo
    d = conninfo_to_dict(conninfo)
    auth = quote(d.get("user", "postgres"), safe="")
    if d.get("password"):
        auth += ":" + quote(d["password"], safe="")
    host = d.get("host", "127.0.0.1")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{d.get('dbname', 'postgres')}?host={quote(host, safe='')}&port={d.get('port', 5432)}"
    return f"postgresql://{auth}@{host}:{d.get('port', 5432)}/{d.get('dbname', 'postgres')}"


def rig_env(replica, tmp: Path, db_url: str, **env: str) -> dict[str, str]:
    return {
        "WHATSAPP_WEB_URL": replica.url.rstrip("/"),
        "WHATSAPP_PROFILE_DIR": str(tmp / "profile"),
        "WHATSAPP_CHROMIUM_PATH": CHROMIUM,
        "KENNY_WA_STATE_DIR": str(tmp / "state"),
        "WHATSAPP_SCROLL_MIN_INTERVAL_MS": "0",
        "WHATSAPP_PAGE_TIMEOUT_SECONDS": "30",
        "WHATSAPP_BROWSER_LOCALE": "en-US",
        "WHATSAPP_HISTORY_STALL_ATTEMPTS": "3",
        "KENNY_WA_LOG_FORMAT": "json",
        "PG_URL": as_url(db_url),
        "ATTACHMENTS_DIR": str(tmp / "attachments"),
        **env,
    }


def pair_profile(replica, env: dict[str, str]) -> None:
    """Pair the rig's Chromium profile with the replica (in this process), then close it."""
    from kenny_wa.browser import launch
    from kenny_wa.config import load_settings

    settings = load_settings(env)
    with launch.browser_session(settings) as page:
        navhelpers.pair(page, settings, replica)


@contextlib.contextmanager
def rig(scenario: str, tmp: Path, db_url: str, *, seed: int = 1, latency_ms: int = 0,
        pair: bool = True, lang: str | None = None, locale: str | None = None,
        **env: str) -> Iterator[Rig]:
    """A started replica of ``scenario`` (its page in language ``lang``, its dates formatted in
    ``locale``; each defaults to the browser's) and a profile paired with it."""
    chromium_or_skip()
    from kenny_wa.replica import ReplicaServer

    with ReplicaServer(scenario=scenario, era="p6", seed=seed, latency_ms=latency_ms,
                       lang=lang, locale=locale) as replica:
        environment = rig_env(replica, tmp, db_url, **env)
        if pair:
            pair_profile(replica, environment)
        yield Rig(replica, tmp, db_url, environment)


# --- events between two chats ----------------------------------------------------------------


class OnChat(sync.Progress):
    """Calls ``action`` once, right after chat number ``after`` was committed."""

    def __init__(self, after: int, action) -> None:
        self.after, self.action, self.fired = after, action, False
        self.rows_at_event: int | None = None

    def chat_done(self, done: int, total: int, messages: int, images: int = 0) -> None:
        if done == self.after and not self.fired:
            self.fired = True
            self.action()



# A new WhatsApp build: every class, id, role, aria and data attribute gone, now and in every
# later mutation (no known selector matches any more).
DRIFT_JS = """() => {
  const scrub = (root) => {
    const all = [root, ...root.querySelectorAll('*')];
    for (const el of all) {
      for (const a of [...el.attributes]) {
        if (a.name.startsWith('data-') || a.name.startsWith('aria-') ||
            ['role', 'class', 'id', 'title', 'tabindex', 'contenteditable'].includes(a.name)) {
          el.removeAttribute(a.name);
        }
      }
    }
  };
  scrub(document.body);
  new MutationObserver((ms) => {
    for (const m of ms) {
      if (m.target.nodeType === 1) scrub(m.target);
      for (const n of m.addedNodes) if (n.nodeType === 1) scrub(n);
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


# --- checks -----------------------------------------------------------------------------------


def connect(db_url: str) -> psycopg.Connection:
    return psycopg.connect(db_url, row_factory=dict_row, autocommit=True)


def expected_messages(truth: dict, cutoff: dt.datetime, **policy: Any) -> dict[str, dict]:
    """Truth messages a complete sync must store: newer than the cutoff, and newer than the
    phone-prompt history limit of their chat, in the chats a sync with ``policy`` (the
    defaults unless told: ``unread``, ``include_archived``) reads."""
    chats = {c["thread_external_id"]: c for c in truth["chats"]}
    out = {}
    for jid, msgs in navhelpers.expected_by_chat(truth, cutoff, **policy).items():
        limit = chats[jid]["history_limit"]
        floor = navhelpers.parse_ts(limit) if limit else None
        for m in msgs:
            if floor is None or navhelpers.parse_ts(m["ts"]) >= floor:
                out[m["external_id"]] = m
    return out


def stored_rows(db_url: str) -> list[dict]:
    with connect(db_url) as conn:
        return conn.execute(
            "select id, platform, external_id, thread_external_id, sender_id, recipient_ids, "
            "content_snippet, ts, is_outgoing, has_attachments, metadata from messages"
        ).fetchall()


def row_view(row: dict) -> dict:
    return {
        "thread_external_id": row["thread_external_id"],
        "sender_id": row["sender_id"],
        "recipient_ids": sorted(row["recipient_ids"]),
        "content_snippet": row["content_snippet"],
        "ts": row["ts"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_outgoing": row["is_outgoing"],
        "has_attachments": row["has_attachments"],
        "kind": row["metadata"]["kind"],
        "forwarded": row["metadata"]["forwarded"],
        "deleted": row["metadata"]["deleted"],
    }


def truth_view(m: dict) -> dict:
    return {
        "thread_external_id": m["thread_external_id"],
        "sender_id": m["sender_id"],
        "recipient_ids": sorted(m["recipient_ids"]),
        "content_snippet": clean_text(m["content_snippet"]),
        "ts": m["ts"],
        "is_outgoing": m["is_outgoing"],
        "has_attachments": m["has_attachments"],
        "kind": m["kind"],
        "forwarded": m["forwarded"],
        "deleted": m["deleted"],
    }


def assert_db_matches_truth(db_url: str, truth: dict, cutoff: dt.datetime, *, views=True,
                            **policy: Any) -> None:
    """Messages equal the ground truth's (ids and, with ``views``, every compared column)."""
    rows = stored_rows(db_url)
    ids = [r["external_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate message rows"
    want = expected_messages(truth, cutoff, **policy)
    got = {r["external_id"]: r for r in rows}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"missing={missing[:5]} ({len(missing)}) extra={extra[:5]} ({len(extra)})"
    if views:
        diffs = [(k, row_view(got[k]), truth_view(want[k])) for k in want
                 if row_view(got[k]) != truth_view(want[k])]
        assert not diffs, diffs[:3]


def assert_files_clean(db_url: str, attachments: Path, truth: dict | None = None) -> None:
    """No temp or partial files; every file is named by its sha256 and referenced by a stored
    attachment row whose checksum and size match; one extraction job per stored attachment."""
    files = [p for p in attachments.rglob("*") if p.is_file()] if attachments.exists() else []
    with connect(db_url) as conn:
        atts = conn.execute(
            "select a.id, a.status, a.reason, a.file_path, a.checksum, a.size_bytes, m.external_id "
            "from attachments a join messages m on m.id = a.message_id"
        ).fetchall()
        job_rows = conn.execute(
            "select (args->>'attachment_id')::bigint as aid, count(*) as n from procrastinate_jobs "
            "where task_name = %s group by 1",
            (jobs.EXTRACT_TASK,),
        ).fetchall()
    stored = {a["file_path"]: a for a in atts if a["status"] == "stored"}
    for path in files:
        assert not path.name.startswith(".tmp-") and not path.name.endswith(".part"), f"temp file {path.name}"
        data = path.read_bytes()
        assert path.stem == hashlib.sha256(data).hexdigest(), f"{path.name} is not named by its sha256"
        assert str(path) in stored, f"orphan file {path.name}"
    for file_path, att in stored.items():
        data = Path(file_path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == att["checksum"] and len(data) == att["size_bytes"]
    jobs_by_att = {r["aid"]: r["n"] for r in job_rows}
    stored_ids = {a["id"] for a in stored.values()}
    assert all(n == 1 for n in jobs_by_att.values()), f"duplicate extraction jobs: {jobs_by_att}"
    assert set(jobs_by_att) == stored_ids, "extraction jobs differ from the stored attachments"
    if truth is not None:
        by_id = {m["external_id"]: m for m in truth["messages"]}
        for att in atts:
            t = by_id[att["external_id"]]["attachments"][0]
            if att["status"] == "stored":
                assert att["checksum"] == t["sha256"], att["external_id"]


def assert_cursors_behind_rows(db_url: str, truth: dict, cutoff: dt.datetime) -> None:
    """For every chat cursor, every truth message of that chat up to newest_ts is stored."""
    want = expected_messages(truth, cutoff)
    with connect(db_url) as conn:
        cursors = conn.execute("select chat_id, newest_ts from chat_cursors").fetchall()
        have = {r["external_id"] for r in conn.execute("select external_id from messages").fetchall()}
    for cur in cursors:
        if cur["newest_ts"] is None:
            continue
        upto = cur["newest_ts"].astimezone(dt.UTC)
        needed = {k for k, m in want.items() if m["thread_external_id"] == cur["chat_id"]
                  and navhelpers.parse_ts(m["ts"]) <= upto}
        assert needed <= have, f"cursor of a chat runs ahead of its rows: {len(needed - have)} missing"


def count(db_url: str, table: str) -> int:
    with connect(db_url) as conn:
        return conn.execute(f"select count(*) as n from {table}").fetchone()["n"]


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def cutoff_for(days: int = 30) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
