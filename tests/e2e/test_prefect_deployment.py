"""The deployment end to end: a real Prefect server, `prefect deploy` from prefect.yaml, a process
worker, the replica and a fresh PostgreSQL database.

1. A triggered `whatsapp-sync/scheduled` run syncs the replica's chats into PostgreSQL and
   publishes the summary artifact; a second run triggered while the first runs is cancelled
   (CANCEL_NEW).
2. With the session expired on the replica, the next run fails without retrying, emits
   `kenny.whatsapp.session.expired`, and /health answers 503 with `expired`.

Prefect uses SQLite in a temporary PREFECT_HOME; the server's scheduler is off so only the
test's runs exist. Skipped without PostgreSQL or Chromium.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from kenny_wa import health, store
from kenny_wa.config import load_settings
from kenny_wa.privacy import refs_for

pytestmark = [pytest.mark.prefect, pytest.mark.slow, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("WHATSAPP_CHROMIUM_PATH", "/usr/bin/chromium")
RUN_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url(pg_server_url: str, pg_template: str) -> Iterator[str]:
    """A migrated database shared by this module's runs (cloned from the session template)."""
    from tests.conftest import create_database, drop_database, url_for

    name = create_database(pg_server_url, "kwa_prefect", template=pg_template)
    try:
        yield url_for(pg_server_url, name)
    finally:
        drop_database(pg_server_url, name)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-e2e")


@pytest.fixture(scope="module")
def replica():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from kenny_wa.replica import ReplicaServer

    with ReplicaServer(scenario="small", era="p6", seed=3, latency_ms=150) as server:
        yield server


@pytest.fixture(scope="module")
def kenny_env(workdir: Path, pg_url: str, replica) -> dict[str, str]:
    """The kenny-wa settings of the worker (flow runs inherit the worker's environment)."""
    return {
        "PG_URL": pg_url,
        "WHATSAPP_WEB_URL": replica.url.rstrip("/"),
        "WHATSAPP_PROFILE_DIR": str(workdir / "profile"),
        "ATTACHMENTS_DIR": str(workdir / "attachments"),
        "KENNY_WA_STATE_DIR": str(workdir / "state"),
        "WHATSAPP_CHROMIUM_PATH": CHROMIUM,
        "WHATSAPP_SCROLL_MIN_INTERVAL_MS": "0",
        "WHATSAPP_PAGE_TIMEOUT_SECONDS": "30",
        "WHATSAPP_HISTORY_STALL_ATTEMPTS": "3",
        "WHATSAPP_SYNC_INTERVAL_MINUTES": "60",
        "KENNY_WA_LOG_FORMAT": "json",
    }


@pytest.fixture(scope="module")
def paired(kenny_env: dict[str, str], replica, pg_url: str) -> None:
    """Migrate the database and pair the profile with the replica (the phone scan simulated)."""
    import io

    from kenny_wa.demo import pair_profile

    settings = load_settings(kenny_env)
    with store.connect(pg_url) as conn:
        store.migrate(conn)
        conn.commit()
    pair_profile(replica, settings, timeout_s=60, out=io.StringIO())


@pytest.fixture(scope="module")
def prefect_server(workdir: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` on a free port with a temporary PREFECT_HOME (SQLite)."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(workdir / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    log = open(workdir / "server.log", "wb")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("prefect server did not start:\n" + (workdir / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        client_env = {
            "PREFECT_HOME": env["PREFECT_HOME"],
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        yield client_env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def deployed(prefect_server: dict[str, str], kenny_env: dict[str, str], workdir: Path) -> dict[str, str]:
    """`kenny-wa deploy` with nothing exported (no interval, no project folder), from another
    folder: it creates the pool and registers prefect.yaml's deployment with the defaults."""
    bare = {k: v for k, v in os.environ.items()
            if not k.startswith(("WHATSAPP_", "KENNY_WA_", "PREFECT_", "PG_URL", "ATTACHMENTS_DIR"))}
    done = subprocess.run([str(BIN / "kenny-wa"), "deploy"], env={**bare, **prefect_server}, cwd=workdir,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"kenny-wa deploy failed:\n{done.stdout}\n{done.stderr}"
    return {**os.environ, **prefect_server, **kenny_env}


@pytest.fixture(scope="module")
def worker(deployed: dict[str, str], paired, workdir: Path) -> Iterator[subprocess.Popen]:
    env = {**deployed, "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"}
    log = open(workdir / "worker.log", "wb")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "worker", "start", "--pool", "kenny-wa", "--type", "process"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=workdir,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _prefect(args: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _trigger(env: dict[str, str]) -> str:
    """`prefect deployment run 'whatsapp-sync/scheduled'`, the documented ad-hoc sync."""
    out = _prefect(["deployment", "run", "whatsapp-sync/scheduled"], env)
    match = re.search(r"UUID:\s*([0-9a-f-]{36})", out)
    assert match, out
    return match.group(1)


def _trigger_fast(env: dict[str, str]) -> str:
    """The same through the REST API (the CLI takes seconds to start; timing matters here)."""
    with _api(env) as client:
        dep = client.get("/deployments/name/whatsapp-sync/scheduled").json()
        for _ in range(5):  # the test server's SQLite can answer "database is locked" under load
            response = client.post(f"/deployments/{dep['id']}/create_flow_run", json={})
            if response.status_code < 300:
                return response.json()["id"]
            time.sleep(0.5)
    raise AssertionError(f"create_flow_run failed: {response.status_code} {response.text[:300]}")


def _api(env: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=env["PREFECT_API_URL"], timeout=10)


def _state(env: dict[str, str], run_id: str) -> dict:
    with _api(env) as client:
        return client.get(f"/flow_runs/{run_id}").json()["state"]


def _wait_state(env, run_id, wanted: set[str], worker, timeout=RUN_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = _state(env, run_id)
        if state["type"] in wanted:
            return state
        assert worker.poll() is None, "the worker died"
        assert time.monotonic() < deadline, f"run {run_id} stuck in {state['type']}"
        time.sleep(0.5)


TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def _task_runs(env, run_id: str) -> list[dict]:
    with _api(env) as client:
        body = {"flow_runs": {"id": {"any_": [run_id]}}}
        return client.post("/task_runs/filter", json=body).json()


def test_deployment_is_registered_as_declared(deployed):
    with _api(deployed) as client:
        dep = client.get("/deployments/name/whatsapp-sync/scheduled").json()
    assert dep["entrypoint"] == "flows/whatsapp_sync.py:whatsapp_sync"
    assert dep["work_pool_name"] == "kenny-wa"
    assert dep["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}
    ]
    assert dep["concurrency_options"] == {
        "collision_strategy": "CANCEL_NEW",
        "grace_period_seconds": None,
    } or (dep["concurrency_options"]["collision_strategy"] == "CANCEL_NEW")
    assert dep["global_concurrency_limit"]["limit"] == 1
    (schedule,) = dep["schedules"]
    assert schedule["schedule"]["rrule"].endswith("FREQ=MINUTELY;INTERVAL=10")  # the spec's default
    assert schedule["schedule"]["timezone"] == "UTC"
    env = dep["job_variables"]["env"]
    assert env["PREFECT_LOGGING_EXTRA_LOGGERS"] == "kenny_wa"


def test_run_syncs_replica_and_second_run_is_cancelled(deployed, worker, replica, pg_url, kenny_env):
    started = time.monotonic()
    first = _trigger(deployed)
    _wait_state(deployed, first, {"RUNNING"} | TERMINAL, worker)
    second = _trigger_fast(deployed)
    assert _state(deployed, first)["type"] == "RUNNING", "the first run ended before the second was triggered"
    second_state = _wait_state(deployed, second, TERMINAL, worker)
    assert second_state["type"] == "CANCELLED", second_state
    final = _wait_state(deployed, first, TERMINAL, worker)
    assert final["type"] == "COMPLETED", (final, (Path(worker.args[0]).parent))
    print(f"first run completed after {time.monotonic() - started:.1f}s")

    # the ground truth's messages within the lookback are in PostgreSQL
    from tests.e2e.navhelpers import expected_by_chat

    truth = replica.ground_truth()
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    by_chat = expected_by_chat(truth, cutoff)
    expected = {m["external_id"]: jid for jid, msgs in by_chat.items() for m in msgs}
    assert expected
    with psycopg.connect(pg_url) as conn:
        stored = {r[0] for r in conn.execute("select external_id from messages where platform = 'whatsapp'")}
        run = conn.execute(
            "select status, messages_fetched, partial_chats from sync_runs order by id desc limit 1"
        ).fetchone()
    assert run[0] in ("ok", "partial")
    # every expected message is stored, except in chats the run itself reported partial
    partial_refs = {c["chat_id"] for c in run[2]}
    missing = {ext for ext in expected if ext not in stored}
    chat_ref = refs_for(load_settings(kenny_env))  # the key the flow run created in the worker's state
    assert all(chat_ref(expected[ext]) in partial_refs for ext in missing), missing
    assert len(missing) <= len(expected) // 10

    # the summary artifact exists and is content-free (counts, refs, codes)
    with _api(deployed) as client:
        arts = client.post(
            "/artifacts/filter", json={"artifacts": {"key": {"any_": ["whatsapp-sync-summary"]}}}
        ).json()
    assert arts and arts[0]["flow_run_id"] == first and arts[0]["type"] == "table"
    table = json.loads(arts[0]["data"]) if isinstance(arts[0]["data"], str) else arts[0]["data"]
    assert {"item": "status", "value": run[0]} in table
    # kenny_wa's structlog lines reach the Prefect UI (PREFECT_LOGGING_EXTRA_LOGGERS) with the run id
    # (logs are shipped asynchronously and a run writes hundreds: read the newest first)
    deadline = time.monotonic() + 30
    while True:
        with _api(deployed) as client:
            ours = client.post(
                "/logs/filter",
                json={"logs": {"flow_run_id": {"any_": [first]}}, "sort": "TIMESTAMP_DESC", "limit": 200},
            ).json()
        ours = [entry for entry in ours if entry["name"].startswith("kenny_wa")]
        done = any("sync_finished" in entry["message"] and first in entry["message"] for entry in ours)
        if done or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert done, [entry["message"][:80] for entry in ours]
    for message in truth["messages"]:
        if message.get("content_snippet") and len(message["content_snippet"]) > 12:
            assert message["content_snippet"] not in json.dumps(table)


def test_expired_session_fails_without_retry_emits_event_and_health_503(
    deployed, worker, replica, pg_url, kenny_env
):
    assert replica.expire() >= 0
    worker_log = Path(kenny_env["KENNY_WA_STATE_DIR"]).parent / "worker.log"  # the worker fixture's
    log_offset = worker_log.stat().st_size
    run_id = _trigger(deployed)
    final = _wait_state(deployed, run_id, TERMINAL, worker)
    assert final["type"] == "FAILED", final
    expected = ("WhatsApp sync ended expired: The WhatsApp session is not logged in: pair again "
                "with `kenny-wa login`.")
    assert final["message"] == expected  # one clear line

    sync_tasks = [t for t in _task_runs(deployed, run_id) if t["name"].startswith("sync-chats")]
    assert len(sync_tasks) == 1
    assert sync_tasks[0]["run_count"] == 1, "an expired session must not be retried"
    assert sync_tasks[0]["state"]["type"] == "FAILED" and sync_tasks[0]["state"]["message"] == expected

    # no traceback for an expected failure: not in the worker's output, not in the run's logs
    time.sleep(2)  # the worker writes the flow process's last lines after the state change
    assert "Traceback" not in worker_log.read_text(errors="replace")[log_offset:]
    with _api(deployed) as client:
        run_logs = client.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200}).json()
    assert run_logs and not [e for e in run_logs if "Traceback" in e["message"]]

    deadline = time.monotonic() + 30
    events: list[dict] = []
    with _api(deployed) as client:
        while time.monotonic() < deadline:
            body = {
                "filter": {
                    "event": {"name": ["kenny.whatsapp.session.expired"]},
                    "occurred": {"since": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()},
                },
                "limit": 50,
            }
            response = client.post("/events/filter", json=body)
            found = response.json().get("events", []) if response.status_code < 300 else []
            # an earlier test's run may have emitted one too: keep this run's own event
            events = [
                e for e in found
                if any(r["prefect.resource.id"] == f"prefect.flow-run.{run_id}" for r in e["related"])
            ]
            if events:
                break
            time.sleep(1)
    assert events, "no kenny.whatsapp.session.expired event related to this flow run"
    event = events[0]
    assert event["resource"]["prefect.resource.id"].startswith("kenny.whatsapp.profile.")
    assert event["payload"] == {"status": "expired"}

    settings = load_settings({**kenny_env, "KENNY_WA_HEALTH_PORT": "9109"})
    server = health.make_server(settings, host="127.0.0.1", port=0)
    health.start_in_thread(server)
    try:
        port = server.server_address[1]
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10)
        assert caught.value.code == 503
        body = json.loads(caught.value.read())
        assert body["session"] == "expired"
        assert body["postgres"]["ready"] is True
        assert body["last_run"]["status"] == "expired"
    finally:
        server.shutdown()
        server.server_close()


def test_prefect_deploy_all_still_works_with_the_variables_exported(deployed):
    env = {**deployed, "KENNY_WA_APP_DIR": str(ROOT), "WHATSAPP_SYNC_INTERVAL_MINUTES": "60"}
    _prefect(["--no-prompt", "deploy", "--all"], env, cwd=ROOT)
    with _api(deployed) as client:
        dep = client.get("/deployments/name/whatsapp-sync/scheduled").json()
    (schedule,) = dep["schedules"]
    assert schedule["schedule"]["rrule"].endswith("FREQ=MINUTELY;INTERVAL=60")


@pytest.fixture(scope="module", autouse=True)
def _keep_logs_on_failure(request, workdir):
    yield
    if request.session.testsfailed:
        for name in ("worker.log", "server.log"):
            path = workdir / name
            if path.exists():
                sys.stderr.write(f"\n--- {name} (tail) ---\n{path.read_text(errors='replace')[-6000:]}\n")
        shutil.rmtree(workdir / "prefect-home" / "storage", ignore_errors=True)
