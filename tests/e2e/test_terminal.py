"""At a real terminal (tmux), `kenny-wa sync --once` with INFO logging keeps its progress line
intact: log lines are printed above it, never glued to it.

The sync runs against the replica (a paired profile, a fresh database) inside a private tmux
server; the screen is read with ``capture-pane`` many times while it runs and at the end.
Skipped without tmux, Chromium or PostgreSQL.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.faults.faulthelpers import base_env, rig

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROGRESS = re.compile(
    r"^  chats (\d+)/(\d+) · messages \d+ · images \d+ · \d+:\d\d(:\d\d)? elapsed(, ETA \d+:\d\d(:\d\d)?)?$"
)


def _tmux(socket: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=30)


def _screen(socket: str) -> list[str]:
    done = _tmux(socket, "capture-pane", "-p", "-J", "-S", "-200", "-t", "kwa")
    return [line.rstrip() for line in done.stdout.splitlines()]


def _check(lines: list[str]) -> list[str]:
    """The progress lines on screen; fails when one carries anything but progress."""
    progress = [line for line in lines if "chats " in line and " · messages " in line]
    for line in progress:
        assert PROGRESS.match(line), f"progress line broken: {line!r}"
    return progress


def test_progress_line_survives_info_logs_at_a_tty(tmp_path, db_url):
    if shutil.which("tmux") is None:
        pytest.skip("no tmux")
    with rig("small", tmp_path, db_url, latency_ms=120) as r:
        env = {**base_env(), **r.env, "KENNY_WA_LOG_LEVEL": "INFO", "KENNY_WA_LOG_FORMAT": "auto",
               "TERM": "xterm-256color"}
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()),
                              sys.executable, "-m", "kenny_wa.cli", "sync", "--once"])
        socket = f"kwa-{uuid.uuid4().hex[:8]}"
        _tmux(socket, "new-session", "-d", "-s", "kwa", "-x", "160", "-y", "60",
              f"{command}; echo EXIT=$?; sleep 600")
        try:
            seen_live = False
            deadline = time.monotonic() + 240
            while True:
                lines = _screen(socket)
                progress = _check(lines)
                seen_live = seen_live or bool(progress)
                if any(line.startswith("EXIT=") for line in lines):
                    break
                assert time.monotonic() < deadline, "\n".join(lines[-40:])
                time.sleep(0.2)
        finally:
            _tmux(socket, "kill-server")
    assert "EXIT=0" in lines or "EXIT=3" in lines, "\n".join(lines[-40:])
    assert seen_live
    progress = _check(lines)
    assert len(progress) == 1, "one progress line, redrawn in place"
    done, total = PROGRESS.match(progress[0]).group(1, 2)
    assert done == total and int(total) > 0
    logged = [line for line in lines if re.search(r"\[(info|warning)\s*\]", line)]
    assert any("browser_started" in line for line in logged), "INFO lines are shown at the terminal"
    assert any("images_fetched" in line for line in logged), "a log line written while the progress is live"
    assert lines.index(progress[0]) > max(lines.index(line) for line in logged if "images_fetched" in line)
