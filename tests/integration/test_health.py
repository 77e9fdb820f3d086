"""/health and /metrics against a real PostgreSQL: runs recorded through the store API are
what a scrape shows. Each test gets a fresh migrated database; skipped without PostgreSQL."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kenny_wa import health, store
from kenny_wa.config import load_settings
from kenny_wa.summary import SyncSummary


@pytest.fixture
def pg_url(db_url: str) -> str:
    """A migrated database of its own (cloned from the session template, see conftest)."""
    return db_url


@pytest.fixture
def server(pg_url, tmp_path):
    settings = load_settings({"PG_URL": pg_url, "KENNY_WA_STATE_DIR": str(tmp_path)})
    srv = health.make_server(settings, host="127.0.0.1", port=0)
    health.start_in_thread(srv)
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _record(conn, summary: SyncSummary, *, success: bool, session: str) -> int:
    run_id = store.start_run(conn, profile="/tmp/profile")
    store.finish_run(conn, run_id, summary.as_dict())
    store.record_sync_state(conn, session_status=session, success=success, interval_minutes=10)
    conn.commit()
    return run_id


def _metrics(base: str) -> dict[str, list]:
    status, body = _get(base + "/metrics")
    assert status == 200
    return {f.name: f.samples for f in text_string_to_metric_families(body.decode())}


def test_metrics_match_the_recorded_runs(pg_url, server):
    with store.connect(pg_url) as conn:
        # a dry run's counts are not counted
        dry = store.start_run(conn, profile="/tmp/profile", dry_run=True)
        store.finish_run(conn, dry, SyncSummary(messages_fetched=1000, dry_run=True, seconds=1.0).as_dict())
        conn.commit()
        _record(
            conn,
            SyncSummary(
                messages_fetched=40, upserts=30, attachments_saved=3, extraction_jobs_enqueued=3, seconds=11.0
            ),
            success=True,
            session="logged_in",
        )
        partial = SyncSummary(
            messages_fetched=10, upserts=2, attachments_saved=1, extraction_jobs_enqueued=1, seconds=7.5
        )
        partial.add_partial("chat-000000000001", "history_stalled")
        _record(conn, partial, success=True, session="logged_in")

    samples = _metrics(server)
    value = lambda name: samples[name][0].value  # noqa: E731
    assert value("whatsapp_sync_messages_fetched") == 50
    assert value("whatsapp_sync_upserts") == 32
    assert value("whatsapp_attachments_saved") == 4
    assert value("whatsapp_extraction_jobs_enqueued") == 4
    assert value("whatsapp_sync_errors") == 0
    assert value("whatsapp_sync_cycle_seconds") == 7.5  # the last finished run
    assert samples["whatsapp_sync_messages_fetched"][0].name == "whatsapp_sync_messages_fetched_total"
    runs = {s.labels["status"]: s.value for s in samples["whatsapp_sync_runs"]}
    assert runs["ok"] >= 1 and runs["partial"] == 1
    session = {s.labels["status"]: s.value for s in samples["whatsapp_session_status"]}
    assert session["logged_in"] == 1
    assert value("whatsapp_postgres_up") == 1
    assert value("whatsapp_sync_last_success_timestamp_seconds") > 0

    status, body = _get(server + "/health")
    assert status == 200, body
    assert json.loads(body)["session"] == "logged_in"


def test_failures_show_in_metrics_and_health(pg_url, server):
    with store.connect(pg_url) as conn:
        _record(
            conn, SyncSummary(messages_fetched=5, upserts=5, seconds=3.0), success=True, session="logged_in"
        )
        failed = SyncSummary(seconds=2.0)
        from kenny_wa import errors

        failed.fail(errors.SessionExpired())
        _record(conn, failed, success=False, session="expired")

    samples = _metrics(server)
    assert samples["whatsapp_sync_errors"][0].value == 1
    assert samples["whatsapp_sync_cycle_seconds"][0].value == 2.0
    assert samples["whatsapp_sync_consecutive_failures"][0].value == 1
    # an expired session needs a re-pair, not a backoff: only UI drift and HTTP 429 space runs out
    assert samples["whatsapp_sync_backoff_until_timestamp_seconds"][0].value == 0
    session = {s.labels["status"]: s.value for s in samples["whatsapp_session_status"]}
    assert session["expired"] == 1 and session["logged_in"] == 0

    status, body = _get(server + "/health")
    doc = json.loads(body)
    assert status == 503
    assert doc["session"] == "expired"
    assert doc["last_run"]["status"] == "expired"
    assert doc["postgres"]["ready"] is True
    assert doc["last_successful_sync"] is not None
    assert "session_expired" in doc["problems"]


def test_empty_database_is_ready_but_never_synced(server):
    status, body = _get(server + "/health")
    doc = json.loads(body)
    assert status == 503 and doc["problems"] == ["session_unknown", "never_synced"]
    assert doc["postgres"]["ready"] is True
    samples = _metrics(server)
    assert samples["whatsapp_sync_messages_fetched"][0].value == 0


def test_unreachable_postgres_is_503(tmp_path):
    settings = load_settings(
        {"PG_URL": "postgresql://nobody@127.0.0.1:1/none", "KENNY_WA_STATE_DIR": str(tmp_path)}
    )
    srv = health.make_server(settings, host="127.0.0.1", port=0)
    health.start_in_thread(srv)
    try:
        status, body = _get(f"http://127.0.0.1:{srv.server_address[1]}/health")
        assert status == 503
        assert json.loads(body)["problems"] == ["postgres_unavailable"]
        assert "nobody" not in body.decode()
    finally:
        srv.shutdown()
        srv.server_close()
