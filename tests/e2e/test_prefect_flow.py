"""The `whatsapp-sync` flow's wiring on a real (ephemeral) Prefect API: retries of transient
failures, no retry and an event for an expired session, the backoff skip, the artifact and
the final state. `run_sync` is replaced by fakes here; the deployment test runs the real one."""

from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from kenny_wa import errors, store
from kenny_wa.summary import SyncSummary

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

ADMIN_URL = (
    os.environ.get("KENNY_WA_TEST_PG")
    or os.environ.get("KENNY_TEST_PG_URL")
    or "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


@pytest.fixture
def pg_url(monkeypatch, tmp_path) -> Iterator[str]:
    name = f"kwa_flow_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL at KENNY_WA_TEST_PG")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urllib.parse.urlsplit(ADMIN_URL)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    monkeypatch.setenv("PG_URL", url)
    monkeypatch.setenv("KENNY_WA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WHATSAPP_PROFILE_DIR", str(tmp_path / "profile"))
    try:
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def flow_module(monkeypatch, prefect_api):
    from flows import whatsapp_sync as f

    # no waiting between retries in tests
    monkeypatch.setattr(
        f, "sync_chats", f.sync_chats.with_options(retry_delay_seconds=0, retry_jitter_factor=0)
    )
    events: list[dict] = []
    monkeypatch.setattr(f, "emit_event", lambda **kw: events.append(kw))
    f.captured_events = events
    return f


def _fake_run_sync(monkeypatch, results: list):
    calls: list[int] = []

    def fake(settings, *, on_session_expired=None, **_kw):
        result = results[min(len(calls), len(results) - 1)]
        calls.append(1)
        summary = SyncSummary(messages_fetched=3, upserts=2, seconds=0.1)
        if isinstance(result, errors.KennyWaError):
            summary.fail(result)
            if isinstance(result, errors.SessionExpired) and on_session_expired:
                on_session_expired(result.status)
        elif result == "partial":
            summary.add_partial("chat-0123456789ab", "history_stalled")
        return summary

    monkeypatch.setattr("kenny_wa.sync.run_sync", fake)
    return calls


def test_ok_run_returns_the_sync_json_dict_and_publishes_the_artifact(flow_module, monkeypatch, pg_url):
    calls = _fake_run_sync(monkeypatch, ["partial"])
    state = flow_module.whatsapp_sync(return_state=True)
    assert state.is_completed()
    result = state.result()
    assert result["status"] == "partial" and result["partial_chats"][0]["chat_id"] == "chat-0123456789ab"
    assert set(result) == set(SyncSummary().as_dict())
    assert len(calls) == 1

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["whatsapp-sync-summary"]))
        )
    assert any(a.flow_run_id == state.state_details.flow_run_id for a in arts)


def test_transient_failure_retries_then_fails(flow_module, monkeypatch, pg_url):
    calls = _fake_run_sync(monkeypatch, [errors.BrowserCrashed()])
    state = flow_module.whatsapp_sync(return_state=True)
    assert state.is_failed()
    assert len(calls) == 3  # 1 + 2 retries
    exc = state.result(raise_on_failure=False)
    assert isinstance(exc, flow_module.SyncFailed)
    assert exc.summary["error_kind"] == "browser_crashed"


def test_transient_failure_then_success_completes(flow_module, monkeypatch, pg_url):
    calls = _fake_run_sync(monkeypatch, [errors.DatabaseUnavailable(), "ok"])
    assert flow_module.whatsapp_sync()["status"] == "ok"
    assert len(calls) == 2


def test_expired_session_fails_once_and_emits_the_event(flow_module, monkeypatch, pg_url):
    calls = _fake_run_sync(monkeypatch, [errors.SessionExpired()])
    state = flow_module.whatsapp_sync(return_state=True)
    assert state.is_failed()
    assert len(calls) == 1
    # an expected failure: one line, the summary as data, and the task itself Failed
    assert state.message == (
        "WhatsApp sync ended expired: The WhatsApp session is not logged in: pair again with `kenny-wa login`."
    )
    assert state.result(raise_on_failure=False).summary["status"] == "expired"
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    (sync_task,) = [t for t in tasks if t.name.startswith("sync-chats")]
    assert sync_task.state.is_failed() and sync_task.state.message == state.message
    (event,) = flow_module.captured_events
    assert event["event"] == "kenny.whatsapp.session.expired"
    assert event["payload"] == {"status": "expired"}
    assert event["resource"]["prefect.resource.id"].startswith("kenny.whatsapp.profile.")


def test_backoff_skips_without_syncing(flow_module, monkeypatch, pg_url):
    with store.connect(pg_url) as conn:
        store.migrate(conn)
        for _ in range(2):  # the second UI drift in a row backs off one interval
            store.record_sync_state(
                conn, session_status="ui_drift", success=False, interval_minutes=10, back_off=True
            )
        conn.commit()
    calls = _fake_run_sync(monkeypatch, ["ok"])
    result = flow_module.whatsapp_sync()
    assert result["status"] == "skipped" and result["error_kind"] == "backoff"
    assert calls == []
