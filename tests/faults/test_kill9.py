"""SIGKILL at ten points spread over a sync, then a rerun: the database equals the ground truth.

One unkilled reference run gives the duration ``T`` of a whole ``kenny-wa sync --once --json``
subprocess; then, for ten points spread over ``[0.05 T, 0.95 T]``, a fresh database is synced
and the sync is killed with SIGKILL at that point (even points: the CLI process only, as
``kill -9 <pid>`` does; odd points: its whole process tree, as a container or cgroup kill
does, leaving Chromium's profile locks behind). A rerun on the same Chromium profile must then
complete, and the database must hold exactly the ground truth (messages newer than the cutoff,
no duplicates), with no temp, partial or orphan files and one extraction job per stored image.
The attachments folder is shared by all points, so files left by a killed run are reused.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from faulthelpers import (
    assert_cursors_behind_rows,
    assert_db_matches_truth,
    as_url,
    assert_files_clean,
    cutoff_for,
    kill_tree,
    rig,
)
from tests.conftest import create_database, drop_database, url_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
POINTS = 10


def test_sigkill_at_ten_points_then_rerun_matches_truth(tmp_path, pg_server_url, pg_template):
    scratch = create_database(pg_server_url, "kwa_kill_ref", template=pg_template)
    try:
        with rig("faults-small", tmp_path, url_for(pg_server_url, scratch), latency_ms=50) as r:
            truth = r.replica.ground_truth()
            started = time.monotonic()
            ref = r.sync()
            duration = time.monotonic() - started
            assert ref.code == 0, ref.stderr[-2000:]
            assert_db_matches_truth(r.db_url, truth, cutoff_for())
            outcomes = []
            for i in range(POINTS):
                # spread over 5-70 % of the reference: later runs start warmer (cached
                # Chromium profile, pages) and finish sooner than the first one did
                at = duration * (0.05 + 0.65 * i / (POINTS - 1))
                name = create_database(pg_server_url, "kwa_kill", template=pg_template)
                url = as_url(url_for(pg_server_url, name))
                try:
                    proc = r.start(PG_URL=url)
                    try:
                        proc.wait(timeout=at)
                        outcomes.append(("finished", round(at, 2)))
                    except Exception:
                        if i % 2 == 0:
                            os.kill(proc.pid, signal.SIGKILL)
                        else:
                            kill_tree(proc)
                        proc.wait(timeout=10)
                        assert proc.returncode == -signal.SIGKILL
                        outcomes.append(("killed", round(at, 2)))
                    proc.communicate(timeout=10)
                    # what a killed run left is consistent: no cursor runs ahead of its rows
                    assert_cursors_behind_rows(url, truth, cutoff_for())
                    rerun = r.sync(PG_URL=url, timeout=120)
                    assert rerun.code == 0, (i, rerun.summary)
                    assert_db_matches_truth(url, truth, cutoff_for())
                    assert_files_clean(url, r.attachments, truth)
                finally:
                    drop_database(pg_server_url, name)
            assert sum(1 for kind, _ in outcomes if kind == "killed") >= POINTS - 1, outcomes
    finally:
        drop_database(pg_server_url, scratch)
