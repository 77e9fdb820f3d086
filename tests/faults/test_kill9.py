"""SIGKILL at ten points spread over a sync, then a rerun: the database equals the ground truth.

One unkilled reference run of ``kenny-wa sync --once --json`` gives the sequence of its log
events (browser started, session ready, chats listed, each chat read, its images fetched...).
The ten kill points are spread over that sequence, not over wall time: a point is "right after
event k, plus 0, 150 or 300 ms", so it lands inside the same stretch of work however fast or
loaded the machine is. For each point a fresh database is synced and the sync is killed with
SIGKILL there (even points: the CLI process only, as ``kill -9 <pid>`` does; odd points: its
whole process tree, as a container or cgroup kill does, leaving Chromium's profile locks
behind). A rerun on the same Chromium profile must then complete, and the database must hold
exactly the ground truth (messages newer than the cutoff, no duplicates), with no temp,
partial or orphan files and one extraction job per stored image. The attachments folder is
shared by all points, so files left by a killed run are reused.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time

import pytest
from faulthelpers import (
    as_url,
    assert_cursors_behind_rows,
    assert_db_matches_truth,
    assert_files_clean,
    cutoff_for,
    kill_tree,
    rig,
)

from tests.conftest import create_database, drop_database, url_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
POINTS = 10


def _events(stderr: str) -> list[str]:
    out = []
    for line in stderr.splitlines():
        with contextlib.suppress(ValueError, TypeError, KeyError):
            out.append(json.loads(line)["event"])
    return out


def _kill_after_event(proc: subprocess.Popen, event_number: int, delay: float, *, tree: bool) -> bool:
    """SIGKILL ``proc`` ``delay`` s after its ``event_number``-th log event; False if it ended first."""
    seen, reached = [0], threading.Event()

    def read() -> None:
        for line in proc.stderr:
            if line.startswith("{"):
                seen[0] += 1
                if seen[0] >= event_number:
                    reached.set()
        reached.set()  # the process closed stderr: it ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reached.wait(timeout=120)
    time.sleep(delay)
    if proc.poll() is not None:
        reader.join(timeout=10)
        return False
    if tree:
        kill_tree(proc)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    reader.join(timeout=10)  # stderr closes once Playwright's driver and Chromium are gone
    return True


def test_sigkill_at_ten_points_then_rerun_matches_truth(tmp_path, pg_server_url, pg_template):
    scratch = create_database(pg_server_url, "kwa_kill_ref", template=pg_template)
    try:
        with rig("faults-small", tmp_path, url_for(pg_server_url, scratch), latency_ms=50) as r:
            truth = r.replica.ground_truth()
            ref = r.sync()
            assert ref.code == 0, ref.stderr[-2000:]
            assert_db_matches_truth(r.db_url, truth, cutoff_for())
            events = _events(ref.stderr)
            # up to the last chat's read: after it only its commit and the summary are left
            last = max(i for i, e in enumerate(events, 1) if e == "chat_read")
            assert last >= POINTS // 2, events
            outcomes = []
            for i in range(POINTS):
                event_number = 1 + round((last - 1) * i / (POINTS - 1))
                delay = 0.15 * (i % 3)
                name = create_database(pg_server_url, "kwa_kill", template=pg_template)
                url = as_url(url_for(pg_server_url, name))
                try:
                    proc = r.start(PG_URL=url)
                    killed = _kill_after_event(proc, event_number, delay, tree=i % 2 == 1)
                    outcomes.append(("killed" if killed else "finished", events[event_number - 1], delay))
                    proc.communicate(timeout=10)
                    # what a killed run left is consistent: no cursor runs ahead of its rows
                    assert_cursors_behind_rows(url, truth, cutoff_for())
                    rerun = r.sync(PG_URL=url, timeout=120)
                    assert rerun.code == 0, (i, rerun.summary)
                    assert_db_matches_truth(url, truth, cutoff_for())
                    assert_files_clean(url, r.attachments, truth)
                finally:
                    drop_database(pg_server_url, name)
            assert sum(1 for kind, *_ in outcomes if kind == "killed") >= POINTS - 1, outcomes
    finally:
        drop_database(pg_server_url, scratch)
