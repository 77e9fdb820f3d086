"""/health and /metrics rendering: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kenny_wa import health

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
SPEC_METRICS = (
    "whatsapp_sync_messages_fetched",
    "whatsapp_sync_upserts",
    "whatsapp_attachments_saved",
    "whatsapp_extraction_jobs_enqueued",
    "whatsapp_sync_errors",
    "whatsapp_sync_cycle_seconds",
)


def snap(**kw) -> health.Snapshot:
    base = dict(
        pg_ready=True,
        session_status="logged_in",
        last_success_at=NOW - dt.timedelta(minutes=5),
        last_run_status="ok",
        last_run_seconds=12.5,
    )
    base.update(kw)
    return health.Snapshot(**base)


def test_healthy_is_200_with_the_documented_fields():
    code, body = health.render_health(snap(), now=NOW, interval_minutes=10)
    assert code == 200
    assert body["status"] == "ok" and body["problems"] == []
    assert body["session"] == "logged_in"
    assert body["postgres"] == {"ready": True}
    assert body["last_successful_sync"] == (NOW - dt.timedelta(minutes=5)).isoformat()
    assert body["last_run"]["status"] == "ok"
    assert body["stale_after_seconds"] == 40 * 60  # 3 x 10 min + 10 min
    json.dumps(body)


@pytest.mark.parametrize("session", ["expired", "qr_required", "conflict", "ui_drift", "unknown"])
def test_any_session_but_logged_in_is_503(session):
    code, body = health.render_health(snap(session_status=session), now=NOW, interval_minutes=10)
    assert code == 503
    assert body["session"] == session
    assert f"session_{session}" in body["problems"]


def test_unknown_session_strings_are_normalised():
    _code, body = health.render_health(snap(session_status="weird"), now=NOW, interval_minutes=10)
    assert body["session"] == "unknown"


def test_postgres_down_is_503_and_session_unknown():
    code, body = health.render_health(health.Snapshot(pg_ready=False), now=NOW, interval_minutes=10)
    assert code == 503
    assert body["problems"] == ["postgres_unavailable"]
    assert body["session"] == "unknown"


def test_stale_after_three_intervals_plus_grace():
    fresh = snap(last_success_at=NOW - dt.timedelta(minutes=39))
    stale = snap(last_success_at=NOW - dt.timedelta(minutes=41))
    assert health.render_health(fresh, now=NOW, interval_minutes=10)[0] == 200
    code, body = health.render_health(stale, now=NOW, interval_minutes=10)
    assert code == 503 and body["problems"] == ["sync_stale"]
    # a longer interval tolerates an older success
    assert health.render_health(stale, now=NOW, interval_minutes=60)[0] == 200


def test_never_synced_is_503():
    code, body = health.render_health(snap(last_success_at=None), now=NOW, interval_minutes=10)
    assert code == 503 and "never_synced" in body["problems"]


def test_active_backoff_is_reported():
    until = NOW + dt.timedelta(minutes=20)
    code, body = health.render_health(
        snap(backoff_until=until, consecutive_failures=2), now=NOW, interval_minutes=10
    )
    assert code == 503 and "backoff" in body["problems"]
    assert body["backoff_until"] == until.isoformat() and body["consecutive_failures"] == 2
    # an expired backoff is not a problem
    assert (
        health.render_health(snap(backoff_until=NOW - dt.timedelta(seconds=1)), now=NOW, interval_minutes=10)[
            0
        ]
        == 200
    )


def _families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_expose_the_six_spec_metrics_with_values():
    totals = {
        "messages_fetched": 120,
        "upserts": 80,
        "attachments_saved": 7,
        "extraction_jobs_enqueued": 7,
        "errors": 2,
    }
    text = health.render_metrics(snap(totals=totals, runs_by_status={"ok": 3, "expired": 1}))
    families = _families(text)
    for name in SPEC_METRICS:
        assert name in families, name
    # counters are exposed with the _total suffix; the family name is the spec's name
    assert "# TYPE whatsapp_sync_messages_fetched_total counter" in text.splitlines()
    (fetched,) = families["whatsapp_sync_messages_fetched"].samples
    assert fetched.name == "whatsapp_sync_messages_fetched_total"
    assert families["whatsapp_sync_messages_fetched"].type == "counter"
    values = {name: families[name].samples[0].value for name in SPEC_METRICS}
    assert values == {
        "whatsapp_sync_messages_fetched": 120,
        "whatsapp_sync_upserts": 80,
        "whatsapp_attachments_saved": 7,
        "whatsapp_extraction_jobs_enqueued": 7,
        "whatsapp_sync_errors": 2,
        "whatsapp_sync_cycle_seconds": 12.5,
    }
    assert families["whatsapp_sync_cycle_seconds"].type == "gauge"
    runs = {s.labels["status"]: s.value for s in families["whatsapp_sync_runs"].samples}
    assert runs == {"ok": 3, "expired": 1}
    session = {s.labels["status"]: s.value for s in families["whatsapp_session_status"].samples}
    assert session["logged_in"] == 1 and sum(session.values()) == 1
    assert families["whatsapp_postgres_up"].samples[0].value == 1
    assert text.endswith("\n")


def test_metrics_before_any_run():
    families = _families(health.render_metrics(health.Snapshot(pg_ready=False)))
    assert families["whatsapp_sync_messages_fetched"].samples[0].value == 0
    assert math.isnan(families["whatsapp_sync_cycle_seconds"].samples[0].value)
    assert families["whatsapp_sync_last_success_timestamp_seconds"].samples[0].value == 0
    assert families["whatsapp_postgres_up"].samples[0].value == 0


def test_label_values_are_escaped():
    text = health.render_metrics(snap(runs_by_status={'we"ird\\x\n': 1}))
    assert 'status="we\\"ird\\\\x\\n"' in text
    _families(text)


def test_snapshot_from_store_rows():
    state = {
        "session_status": "expired",
        "last_success_at": dt.datetime(2026, 5, 1, 11, 0),  # naive: taken as UTC
        "last_run_at": NOW,
        "consecutive_failures": 3,
        "backoff_until": NOW + dt.timedelta(hours=1),
    }
    metrics = {
        "runs": 4,
        "messages_fetched": 10,
        "upserts": 9,
        "attachments_saved": 1,
        "extraction_jobs_enqueued": 1,
        "errors": 3,
        "last_cycle_seconds": 2.0,
        "runs_by_status": {"ok": 1, "expired": 3},
    }
    s = health.snapshot_from_rows(state, metrics, {"status": "expired", "finished_at": NOW})
    assert s.session_status == "expired"
    assert s.last_success_at == dt.datetime(2026, 5, 1, 11, 0, tzinfo=dt.UTC)
    assert s.totals["messages_fetched"] == 10 and s.totals["errors"] == 3
    assert s.last_run_seconds == 2.0 and s.last_run_status == "expired"
    assert s.runs_by_status == {"ok": 1, "expired": 3}
    empty = health.snapshot_from_rows(None, None)
    assert empty.session_status == "unknown" and empty.totals["upserts"] == 0


def test_handler_routes_without_a_database():
    import threading
    import urllib.error
    import urllib.request
    from http.server import ThreadingHTTPServer

    handler = health.make_handler(lambda: snap(session_status="expired"), 10, clock=lambda: NOW)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(base + "/health", timeout=5)
        assert caught.value.code == 503
        assert json.loads(caught.value.read())["session"] == "expired"
        with urllib.request.urlopen(base + "/metrics", timeout=5) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert b"whatsapp_sync_upserts_total" in resp.read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/nope", timeout=5)
        assert missing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_deferred_unread_chats_are_counted_with_the_oldest_age_but_stay_healthy():
    s = snap(unread_waiting=3, unread_oldest_at=NOW - dt.timedelta(hours=5))
    code, body = health.render_health(s, now=NOW, interval_minutes=10)
    assert code == 200 and body["problems"] == []  # waiting for the person is by design
    assert body["deferred_unread"] == {
        "chats": 3, "oldest_since": (NOW - dt.timedelta(hours=5)).isoformat(), "oldest_age_seconds": 18000.0,
    }
    families = {f.name: f for f in text_string_to_metric_families(health.render_metrics(s, now=NOW))}
    assert families["whatsapp_sync_deferred_unread_chats"].samples[0].value == 3
    assert families["whatsapp_sync_deferred_unread_oldest_seconds"].samples[0].value == 18000
    none = snap()
    assert health.render_health(none, now=NOW, interval_minutes=10)[1]["deferred_unread"] == {
        "chats": 0, "oldest_since": None, "oldest_age_seconds": None}
    families = {f.name: f for f in text_string_to_metric_families(health.render_metrics(none, now=NOW))}
    assert families["whatsapp_sync_deferred_unread_oldest_seconds"].samples[0].value == 0


def test_snapshot_reads_the_waiting_chats():
    s = health.snapshot_from_rows({}, {}, None, waiting={"chats": 2, "oldest": NOW})
    assert (s.unread_waiting, s.unread_oldest_at) == (2, NOW)
def test_refused_chats_counter_has_every_reason():
    text = health.render_metrics(snap(refused_by_reason={"ambiguous_dates": 3}))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    family = families["whatsapp_sync_chats_refused"]
    assert family.type == "counter"
    values = {s.labels["reason"]: s.value for s in family.samples if s.name.endswith("_total")}
    assert values == {"ambiguous_dates": 3, "future_timestamp": 0, "out_of_order": 0}


def test_the_collector_reads_a_fresh_snapshot_on_every_scrape():
    from prometheus_client.exposition import generate_latest

    upserts = iter([5, 9])
    registry = health.metrics_registry(lambda: snap(totals={"upserts": next(upserts)}), clock=lambda: NOW)
    first, second = (_families(generate_latest(registry).decode()) for _ in range(2))
    assert first["whatsapp_sync_upserts"].samples[0].value == 5
    assert second["whatsapp_sync_upserts"].samples[0].value == 9
