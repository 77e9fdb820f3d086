"""Errors that say what to do: each stumble of a first hour, run as the operator runs it.

Every case runs ``kenny-wa`` as a subprocess against a real PostgreSQL (and Chromium and the
replica where a page is involved) and reads the one line it prints and its exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from kenny_wa import errors, extractors

pytestmark = [pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
KENNY_WA = [sys.executable, "-m", "kenny_wa.cli"]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WHATSAPP_", "KENNY_WA_", "PG_URL", "ATTACHMENTS_DIR", "IMAGE_", "PREFECT_"))}
    env.update(
        WHATSAPP_PROFILE_DIR=str(tmp / "profile"),
        ATTACHMENTS_DIR=str(tmp / "attachments"),
        KENNY_WA_STATE_DIR=str(tmp / "state"),
        WHATSAPP_CHROMIUM_PATH=CHROMIUM,
        KENNY_WA_LOG_LEVEL="ERROR",
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*KENNY_WA, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")


# --- an unreachable WhatsApp Web is not a browser crash -----------------------------------------


def test_unreachable_page_has_its_own_status_and_exit_code(tmp_path, db_url):
    _chromium_or_skip()
    env = _env(tmp_path, PG_URL=db_url, WHATSAPP_WEB_URL="http://kwa-nowhere.invalid/private-path")
    done = _run(["sync", "--once", "--json"], env)
    assert done.returncode == errors.PageUnreachable.exit_code == 15, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["error_kind"] == "page_unreachable"
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("kenny-wa:")]
    assert line == (
        "kenny-wa: WhatsApp Web is unreachable at kwa-nowhere.invalid (net::ERR_NAME_NOT_RESOLVED): "
        "check this machine's network, or WHATSAPP_WEB_URL"
    )
    assert "private-path" not in done.stderr + done.stdout  # the host, nothing else of the URL


@pytest.mark.slow
def test_refused_connection_names_host_and_port(tmp_path, db_url):
    _chromium_or_skip()
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = _run(["sync", "--once"], _env(tmp_path, PG_URL=db_url, WHATSAPP_WEB_URL=f"http://127.0.0.1:{port}"))
    assert done.returncode == 15, done.stderr[-2000:]
    assert f"unreachable at 127.0.0.1:{port} (net::ERR_CONNECTION_REFUSED)" in done.stderr


# --- the database: missing, unmigrated ----------------------------------------------------------


def test_a_missing_database_is_not_called_unreachable(tmp_path, pg_server_url):
    from tests.conftest import url_for

    done = _run(["status"], _env(tmp_path, PG_URL=url_for(pg_server_url, "kwa_never_created_db")))
    assert done.returncode == errors.DatabaseUnavailable.exit_code
    assert done.stderr.strip() == (
        "kenny-wa: PostgreSQL answered, but the database named in PG_URL does not exist: "
        "create it (createdb) or fix PG_URL"
    )
    assert "kwa_never_created_db" not in done.stderr


def test_an_unmigrated_database_says_to_migrate(tmp_path, empty_db_url):
    done = _run(["status"], _env(tmp_path, PG_URL=empty_db_url))
    assert done.returncode == errors.DatabaseUnavailable.exit_code
    assert "run `kenny-wa migrate` first" in done.stderr, done.stderr


@pytest.mark.slow
def test_login_on_an_unmigrated_database_migrates_first(tmp_path, empty_db_url):
    _chromium_or_skip()
    from kenny_wa.replica import ReplicaServer

    with ReplicaServer(scenario="small", era="p6", seed=7, latency_ms=20) as replica:
        stop = threading.Event()

        def phone() -> None:  # keep scanning whatever QR shows until paired
            while not stop.wait(0.3):
                replica.pair()

        scanner = threading.Thread(target=phone, daemon=True)
        scanner.start()
        try:
            env = _env(tmp_path, PG_URL=empty_db_url, WHATSAPP_WEB_URL=replica.url.rstrip("/"))
            done = _run(["login", "--timeout", "90"], env)
        finally:
            stop.set()
            scanner.join(timeout=2)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "could not be updated" not in done.stderr
    with psycopg.connect(empty_db_url) as conn:  # migrated: the tables of every migration exist
        assert conn.execute("select count(*) from sync_state").fetchone() == (0,)
        assert conn.execute("select count(*) from messages").fetchone() == (0,)


# --- a misconfigured extractor stops the worker at start ----------------------------------------


@pytest.mark.parametrize("spec", ["ocrr", "kwa_no_such_module:extract", "kenny_wa.extractors:no_such_fn"])
def test_worker_with_a_wrong_extractor_stops_at_start(tmp_path, db_url, spec):
    env = _env(tmp_path, PG_URL=db_url, IMAGE_PROCESSING_ENABLED="true", KENNY_WA_EXTRACTOR=spec)
    done = _run(["worker", "--once"], env, timeout=60)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"kenny-wa: KENNY_WA_EXTRACTOR='{spec}' is invalid: expected a registered extractor name (")
    for name in ("dimensions", extractors.DEFAULT):  # what a fresh worker process registers
        assert name in line


def test_worker_ignores_the_extractor_while_the_toggle_is_off(tmp_path, db_url):
    env = _env(tmp_path, PG_URL=db_url, IMAGE_PROCESSING_ENABLED="false", KENNY_WA_EXTRACTOR="ocrr")
    done = _run(["worker", "--once"], env, timeout=60)
    assert done.returncode == 0, done.stderr
