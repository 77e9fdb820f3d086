"""Faults during a run: PostgreSQL stopped, Chromium killed, session expired, conflict, stalled
history, UI drift, a second sync on the same profile, an unwritable or full attachments folder.

Events that must land *between* two chats are fired from ``Progress.chat_done`` of an
in-process ``run_sync`` (deterministic: right after a chat's transaction committed); the
others hit a ``kenny-wa sync --once --json`` subprocess from the test thread while it runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from faulthelpers import (
    DRIFT_JS,
    OnChat,
    as_url,
    assert_cursors_behind_rows,
    assert_db_matches_truth,
    assert_files_clean,
    connect,
    count,
    cutoff_for,
    kill_tree,
    rig,
    wait_for,
)

from kenny_wa import errors, store, sync

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _rows_now(db_url):
    return count(db_url, "messages")


# --- PostgreSQL stopped mid-run ------------------------------------------------------------


@pytest.fixture
def own_postgres():
    """A throwaway embedded PostgreSQL (never the machine's main cluster)."""
    from kenny_wa.store import embedded

    root = Path(tempfile.mkdtemp(prefix="kenny-wa-fault-pg-"))
    root.chmod(0o755)  # traversable for pgserver's own user when run as root (see conftest)
    pgdata = root / "postgres"
    try:
        url = embedded.start(pgdata, database="faults")
        with store.connect(url, autocommit=True) as conn:
            store.migrate(conn)
        yield pgdata, url
    finally:
        with contextlib.suppress(Exception):
            embedded.stop(pgdata)
        shutil.rmtree(root, ignore_errors=True)


def _cursor_count(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("select count(*) from chat_cursors").fetchone()[0]
    except psycopg.Error:
        return -1


def test_postgres_stopped_mid_run_fails_clearly_then_next_run_completes(tmp_path, own_postgres):
    from kenny_wa.store import embedded

    pgdata, url = own_postgres
    with rig("faults-small", tmp_path, url, latency_ms=700) as r:
        truth = r.replica.ground_truth()
        proc = r.start()
        assert wait_for(lambda: _cursor_count(url) >= 1, 60), "no chat committed"
        embedded.stop(pgdata)  # pg_ctl stop (fast): every session is disconnected
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == errors.DatabaseUnavailable.exit_code, (proc.returncode, err[-2000:])
        assert "Traceback" not in err and "unexpected" not in err
        import json

        lines = [line for line in out.splitlines() if line.startswith("{")]
        assert lines, "no --json summary"
        summary = json.loads(lines[-1])
        assert summary["status"] == "error" and summary["error_kind"] == "db_unavailable", summary
        assert summary["error_message"].startswith("PostgreSQL")  # fixed text, no detail
        import pgserver

        # pgserver keeps one handle per data folder: release this process's handle on the
        # stopped server (cleanup_mode=None: nothing is stopped or deleted) so the next start
        # starts PostgreSQL again instead of reusing the handle
        pgserver.get_server(pgdata, cleanup_mode=None).cleanup()
        assert embedded.start(pgdata, database="faults") == url
        assert_cursors_behind_rows(url, truth, cutoff_for())
        again = r.sync()
        assert again.code == 0, again.summary
        assert_db_matches_truth(url, truth, cutoff_for())
        assert_files_clean(url, r.attachments, truth)


def test_postgres_unreachable_at_start_is_db_unavailable(tmp_path):
    with rig("faults-small", tmp_path, "postgresql://postgres@127.0.0.1:1/none", pair=False) as r:
        res = r.sync(timeout=60)
        assert res.code == 8, res.stderr[-1000:]
        assert res.summary["status"] == "error" and res.summary["error_kind"] == "db_unavailable"


# --- Chromium crashes mid-chat ----------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` (Playwright starts Chromium in its own process group)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _chromium_pids(root: int) -> list[int]:
    pids = []
    for pid in _descendants(root):
        with contextlib.suppress(OSError):
            if b"chrom" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]:
                pids.append(pid)
    return pids


def _signal_chromium_once_a_chat_is_committed(proc, url: str, sig: int) -> list[int]:
    """Send ``sig`` to every Chromium process below the sync once its first chat committed."""
    assert wait_for(lambda: _cursor_count(url) >= 1, 60), "no chat committed"
    victims = _chromium_pids(proc.pid)
    assert victims, "no Chromium process found below the sync"
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    return victims


def test_chromium_killed_mid_run_is_browser_crashed_and_commits_stay(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url, latency_ms=700) as r:
        truth = r.replica.ground_truth()
        url = as_url(db_url)
        proc = r.start()
        _signal_chromium_once_a_chat_is_committed(proc, url, signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
        import json

        summary = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
        assert proc.returncode == errors.BrowserCrashed.exit_code, (proc.returncode, summary, err[-1500:])
        assert summary["status"] == "error" and summary["error_kind"] == "browser_crashed"
        assert summary["chats_synced"] >= 1
        assert_cursors_behind_rows(url, truth, cutoff_for())
        assert_files_clean(url, r.attachments, truth)
        again = r.sync()  # the crashed profile opens again
        assert again.code == 0, again.summary
        assert_db_matches_truth(url, truth, cutoff_for())


STOPPED_PAGE_TIMEOUT_S = 20  # >= the longest wait a page call asks for (15 s, opening a chat)


def _state(pid: int) -> str | None:
    """The process state letter (``T`` = stopped, ``Z`` = zombie); None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def test_chromium_stopped_mid_run_ends_page_timeout_within_twice_the_page_timeout(tmp_path, db_url):
    """SIGSTOP every Chromium process once a chat is committed: a page call then never answers.

    Without the watchdog the run waited for ever (still waiting after 249 s with a 30 s page
    timeout). The bound asserted here is correctness (the run ends), not speed.
    """
    with rig("faults-small", tmp_path, db_url, latency_ms=700,
             WHATSAPP_PAGE_TIMEOUT_SECONDS=str(STOPPED_PAGE_TIMEOUT_S)) as r:
        truth = r.replica.ground_truth()
        url = as_url(db_url)
        proc = r.start()
        victims = _signal_chromium_once_a_chat_is_committed(proc, url, signal.SIGSTOP)
        # the signal takes effect when the kernel next schedules them: a loaded machine is slow to
        assert wait_for(lambda: any(_state(pid) == "T" for pid in victims), 30), "Chromium did not stop"
        rows_when_stopped = _rows_now(url)
        try:
            out, err = proc.communicate(timeout=2 * STOPPED_PAGE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError("the run still waits on a stopped browser after 2x the page timeout") from None
        import json

        summary = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
        assert proc.returncode == errors.PageTimeout.exit_code, (proc.returncode, summary, err[-1500:])
        assert summary["status"] == "error" and summary["error_kind"] == "page_timeout", summary
        assert "Traceback" not in err
        # the stopped browser was killed, not left behind stopped
        assert all(_state(pid) in (None, "Z") for pid in victims), [_state(p) for p in victims]
        # everything committed before the stop is intact, nothing half-written after it
        assert summary["chats_synced"] >= 1
        assert _rows_now(url) >= rows_when_stopped
        assert_cursors_behind_rows(url, truth, cutoff_for())
        assert_files_clean(url, r.attachments, truth)
        with connect(url) as conn:
            run = conn.execute("select status, error_kind from sync_runs order by id desc limit 1").fetchone()
        assert (run["status"], run["error_kind"]) == ("error", "page_timeout")
        again = r.sync()  # the killed profile opens again and the rest is read
        assert again.code == 0, again.summary
        assert_db_matches_truth(url, truth, cutoff_for())


# --- session expired / conflict / UI drift between two chats ----------------------------------


def _in_process(r, progress, **env):
    settings = r.settings(**env)
    return sync.run_sync(settings, progress=progress)


@pytest.mark.parametrize("latency_ms", [0, 400], ids=["between-chats", "while-reading"])
def test_session_expired_mid_run(tmp_path, db_url, latency_ms):
    # The page learns of the expiry on its next poll (every 0.5 s) and reloads itself to the
    # QR screen: with slow chunk loads that reload lands while the next chat is being read.
    with rig("faults-small", tmp_path, db_url, latency_ms=latency_ms) as r:
        url = as_url(db_url)
        hook = OnChat(1, lambda: (setattr(hook, "rows_at_event", _rows_now(url)), r.replica.expire()))
        summary = _in_process(r, hook)
        assert hook.fired
        assert summary.status == "expired" and summary.exit_code == 4, summary
        assert _rows_now(url) == hook.rows_at_event, "rows written after the session expired"
        assert summary.chats_synced == 1
        with connect(url) as conn:
            state = conn.execute("select session_status from sync_state").fetchone()
        assert state["session_status"] == "expired"


def test_conflict_mid_run(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url) as r:
        url = as_url(db_url)
        def conflict():
            r.replica.conflict()
            time.sleep(1.5)  # the page learns it on its next poll (every 0.5 s): the screen is up
            hook.rows_at_event = _rows_now(url)

        hook = OnChat(1, conflict)
        summary = _in_process(r, hook)
        assert hook.fired
        assert summary.status == "conflict" and summary.exit_code == 5, summary
        assert _rows_now(url) == hook.rows_at_event





def test_unknown_ui_mid_run_is_ui_drift_with_diagnostics(tmp_path, db_url, monkeypatch):
    """A new WhatsApp build mid-run (every class, id, role, aria and data attribute gone)."""
    from kenny_wa.browser import launch

    pages = []
    real = launch.browser_session

    @contextlib.contextmanager
    def capturing(settings, **kw):
        with real(settings, **kw) as page:
            pages.append(page)
            yield page

    monkeypatch.setattr(launch, "browser_session", capturing)
    with rig("faults-small", tmp_path, db_url) as r:
        url = as_url(db_url)

        def drift():
            hook.rows_at_event = _rows_now(url)
            pages[-1].evaluate(DRIFT_JS)

        hook = OnChat(1, drift)
        summary = _in_process(r, hook, WHATSAPP_PAGE_TIMEOUT_SECONDS="8")
        assert hook.fired
        assert summary.status == "ui_drift" and summary.exit_code == 6, summary
        assert _rows_now(url) == hook.rows_at_event, "rows written after the UI changed"
        diagnostics = list((tmp_path / "state" / "diagnostics").glob("*"))
        assert diagnostics, "no diagnostics folder"
        assert (diagnostics[0].stat().st_mode & 0o777) == 0o700


# --- history stalls for one chat --------------------------------------------------------------


def test_history_that_never_arrives_marks_that_chat_stalled(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url) as r:
        ana = next(c for c in r.replica.ground_truth()["chats"] if c["title"] == "Ana Costa")
        r.replica.settings(chunk_size=4, stall_chats=[ana["thread_external_id"]], stall_ms=60_000)
        # the run gives up on the stalled chat: the wait's timeout bounds it (not a speed check)
        res = r.sync(timeout=120)
        summary = res.summary
        assert res.code == errors.PartialSync.exit_code, summary
        assert summary["status"] == "partial"
        reasons = {p["reason"] for p in summary["partial_chats"]}
        assert reasons == {"stalled"}, summary["partial_chats"]
        assert len(summary["partial_chats"]) == 1
        assert summary["chats_synced"] == 4
        with connect(as_url(db_url)) as conn:
            cur = conn.execute("select complete, partial_reason from chat_cursors where chat_id = %s",
                               (ana["thread_external_id"],)).fetchone()
        assert cur["complete"] is False and cur["partial_reason"] == "stalled"


# --- two syncs on one profile -----------------------------------------------------------------


def test_second_sync_on_the_same_profile_refuses_and_touches_nothing(tmp_path, db_url):
    with rig("faults-small", tmp_path, db_url, latency_ms=500) as r:
        url = as_url(db_url)
        first = r.start()
        assert wait_for(lambda: count(url, "sync_runs") >= 1, 60)
        before = (count(url, "sync_runs"),)
        second = r.sync(timeout=60)
        assert second.code == errors.ProfileInUse.exit_code, second.stderr[-1500:]
        assert "Another kenny-wa process is using this WhatsApp profile" in second.stderr
        assert count(url, "sync_runs") == before[0]
        _out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err[-1500:]
        assert count(url, "sync_runs") == 1, "the refused sync recorded a run"


# --- attachments folder unwritable or full ----------------------------------------------------


def _attachment_states(url):
    with connect(url) as conn:
        return conn.execute("select status, reason from attachments order by id").fetchall()


def test_attachments_folder_unwritable_stops_then_syncs_once_fixed(tmp_path, db_url):
    """A file where ATTACHMENTS_DIR should be: exit 2 naming the variable, nothing touched."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file where a folder should be")
    target = blocker / "attachments"  # mkdir below a file fails even for root
    with rig("faults-small", tmp_path, db_url, ATTACHMENTS_DIR=str(target)) as r:
        url = as_url(db_url)
        truth = r.replica.ground_truth()
        first = r.sync()
        assert first.code == 2, first.stderr[-1500:]
        assert f"ATTACHMENTS_DIR={target} is unusable" in first.stderr
        assert count(url, "sync_runs") == 0 and count(url, "messages") == 0
        blocker.unlink()  # now writable
        second = r.sync()
        assert second.code == 0, second.summary
        assert second.summary["attachments_saved"] == 6, second.summary
        assert {s["status"] for s in _attachment_states(url)} == {"stored", "failed"}
        assert_files_clean(url, target, truth)
        assert_db_matches_truth(url, truth, cutoff_for())


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                          capture_output=True, check=False)
    return done.returncode == 0


def test_attachments_folder_full_then_retried(tmp_path, db_url):
    full = tmp_path / "full"
    if not _mount_tmpfs(full, "8k"):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        with rig("faults-small", tmp_path, db_url, ATTACHMENTS_DIR=str(full)) as r:
            url = as_url(db_url)
            truth = r.replica.ground_truth()
            first = r.sync()
            assert first.code == 0, first.summary
            assert_db_matches_truth(url, truth, cutoff_for())
            reasons = [s["reason"] for s in _attachment_states(url) if s["status"] == "failed"]
            assert "write_failed" in reasons, _attachment_states(url)
            assert not [p for p in full.rglob(".tmp-*")], "temp file left after ENOSPC"
            subprocess.run(["mount", "-o", "remount,size=64m", str(full)], check=True)
            second = r.sync()
            assert second.code == 0, second.summary
            assert {s["status"] for s in _attachment_states(url)} == {"stored", "failed"}
            assert [s["reason"] for s in _attachment_states(url) if s["status"] == "failed"] == ["corrupt"]
            assert_files_clean(url, full, truth)
    finally:
        subprocess.run(["umount", "-l", str(full)], check=False)


def test_stale_temp_file_is_swept(tmp_path):
    """A writer killed between mkstemp and os.replace leaves a temp file: the next sync removes it."""
    from kenny_wa import media

    root = tmp_path / "att"
    folder = root / "ab" / "cd"
    folder.mkdir(parents=True)
    stale = folder / ".tmp-killed.part"
    fresh = folder / ".tmp-writing.part"
    keep = folder / ("ab" + "0" * 62 + ".png")
    for p in (stale, fresh, keep):
        p.write_bytes(b"x")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert media.sweep_temp_files(root) == 1
    assert not stale.exists() and fresh.exists() and keep.exists()  # a live write is left alone
    assert media.sweep_temp_files(tmp_path / "missing") == 0
