"""Invariants of the deployment files (prefect.yaml, automations.yaml, Dockerfile,
docker-compose.yml) and of the flow's pure helpers. Docker cannot run here, so these make
the container setup correct by construction: names, settings, volumes and users agree."""

from __future__ import annotations

import importlib
import os
import pickle
import re
from pathlib import Path

import pytest
import yaml

from kenny_wa import cli, config

ROOT = Path(__file__).resolve().parents[2]
SETTING = re.compile(r"^(WHATSAPP_|KENNY_WA_|ATTACHMENTS_DIR$|PG_URL$|IMAGE_)")
# not Settings fields, but read by the deploy scripts / prefect.yaml
DEPLOY_ONLY = {"KENNY_WA_APP_DIR", "KENNY_WA_WORK_POOL", "WHATSAPP_ENABLE_SENDING"}


def load(name: str):
    return yaml.safe_load((ROOT / name).read_text())


@pytest.fixture(scope="module")
def compose() -> dict:
    return load("docker-compose.yml")


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


# --- prefect.yaml --------------------------------------------------------------------------


def test_prefect_yaml_deployment_and_importable_entrypoint():
    doc = load("prefect.yaml")
    (dep,) = doc["deployments"]
    assert (dep["flow_name"], dep["name"]) == ("whatsapp-sync", "scheduled")
    path, func = dep["entrypoint"].split(":")
    assert (ROOT / path).is_file()
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, func)
    assert flow.name == dep["flow_name"]
    assert dep["work_pool"]["name"] == "kenny-wa"
    assert dep["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    (schedule,) = dep["schedules"]
    assert schedule["timezone"] == "UTC"
    assert "{{ $WHATSAPP_SYNC_INTERVAL_MINUTES }}" in schedule["rrule"]
    env = dep["work_pool"]["job_variables"]["env"]
    assert env["PREFECT_LOGGING_EXTRA_LOGGERS"] == "kenny_wa"
    assert env["PREFECT_TASKS_DEFAULT_NO_CACHE"] == "true"
    (pull,) = doc["pull"]
    assert pull == {
        "prefect.deployments.steps.set_working_directory": {"directory": "{{ $KENNY_WA_APP_DIR }}"}
    }


def test_prefect_yaml_values_pass_prefects_public_schemas():
    """`prefect deploy` skips a deployment section that fails validation with a warning only;
    the values it would reject are checked here with Prefect's public client schemas, once the
    {{ $VAR }} placeholders are filled as `prefect deploy` fills them (the registered result is
    tests/e2e/test_prefect_deployment.py::test_deployment_is_registered_as_declared)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.client.schemas.schedules import RRuleSchedule
    from prefect.utilities.importtools import import_object

    doc = load("prefect.yaml")
    (dep,) = doc["deployments"]
    for entry in dep["schedules"]:
        rrule = entry["rrule"].replace("{{ $WHATSAPP_SYNC_INTERVAL_MINUTES }}", "10")
        schedule = RRuleSchedule(rrule=rrule, timezone=entry["timezone"])
        assert schedule.rrule == "FREQ=MINUTELY;INTERVAL=10"
    limit = ConcurrencyLimitConfig.model_validate(dep["concurrency_limit"])
    assert (limit.limit, limit.collision_strategy.value) == (1, "CANCEL_NEW")
    for step in doc["pull"]:
        (name,) = step
        assert callable(import_object(name))  # the pull step Prefect will import and run


def test_automation_matches_the_flow_event():
    from prefect.events.schemas.automations import AutomationCore

    from flows import whatsapp_sync

    (automation,) = load("automations.yaml")["automations"]
    assert automation["trigger"]["expect"] == [whatsapp_sync.SESSION_EXPIRED_EVENT]
    AutomationCore.model_validate(automation)


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_invariants(dockerfile: str):
    assert re.findall(r"^FROM .*$", dockerfile, re.M) == ["FROM python:3.11-slim-bookworm"]
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert re.search(r"useradd --uid 10001 .* kenny", dockerfile)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] == "kenny"
    assert "WORKDIR /app" in dockerfile
    assert re.search(r'VOLUME \["/data/whatsapp_profile", "/data/attachments"\]', dockerfile)
    assert "chmod 0700 /data/whatsapp_profile /data/attachments" in dockerfile
    assert "WHATSAPP_CHROMIUM_PATH=/usr/bin/chromium" in dockerfile
    assert "fonts-noto-color-emoji" in dockerfile and re.search(r"\bchromium\b", dockerfile)
    assert "HEALTHCHECK" in dockerfile
    assert "PREFECT_LOGGING_EXTRA_LOGGERS=kenny_wa" in dockerfile
    for src in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for item in src.split():
            assert (ROOT / item).exists(), item
    for name, _value in re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", dockerfile):
        if SETTING.match(name):
            assert name in config.ENVIRONMENT or name in DEPLOY_ONLY, name


def test_dockerfile_settings_point_at_the_volumes(dockerfile: str):
    env = dict(re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", dockerfile))
    settings = config.load_settings(
        {k: v.rstrip("\\").strip() for k, v in env.items() if k in config.ENVIRONMENT}
    )
    assert str(settings.profile_dir) == "/data/whatsapp_profile"
    assert str(settings.attachments_dir) == "/data/attachments"


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_services(compose: dict):
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "prefect-server",
        "migrate",
        "deploy",
        "whatsapp-worker",
        "procrastinate-worker",
    }
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            assert cond["condition"] in {"service_healthy", "service_completed_successfully"}
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep] and not services[dep]["healthcheck"].get("disable")
        for port in svc.get("ports") or []:
            assert port.startswith("127.0.0.1:"), (name, port)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["prefect-server"]["environment"]["PREFECT_SERVER_DATABASE_CONNECTION_URL"].startswith(
        "postgresql+asyncpg://"
    )
    assert services["prefect-server"]["environment"]["PREFECT_SERVER_DATABASE_CONNECTION_URL"].endswith(
        "/prefect"
    )
    assert services["migrate"]["command"] == ["kenny-wa", "migrate"]
    assert services["procrastinate-worker"]["command"] == ["kenny-wa", "worker"]
    assert services["whatsapp-worker"]["shm_size"] == "1gb"
    assert "127.0.0.1:9109:9109" in services["whatsapp-worker"]["ports"]


def test_compose_settings_exist_and_volumes_match(compose: dict, dockerfile: str):
    services = compose["services"]
    image_env = {k: v.rstrip("\\").strip() for k, v in re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", dockerfile)}
    for name in ("migrate", "deploy", "whatsapp-worker", "procrastinate-worker"):
        env = {**image_env, **services[name]["environment"]}  # the service's wins over the image's
        for key in env:
            if SETTING.match(key):
                assert key in config.ENVIRONMENT or key in DEPLOY_ONLY, (name, key)
        settings = config.load_settings(
            {k: str(v) for k, v in env.items() if k in config.ENVIRONMENT and "${" not in str(v)}
        )
        mounts = {m.split(":")[1] for m in services[name].get("volumes") or []}
        if name == "whatsapp-worker":
            assert str(settings.profile_dir) in mounts
            assert str(settings.attachments_dir) in mounts
            assert str(settings.state_dir) in mounts
            assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        if name == "procrastinate-worker":
            assert str(settings.attachments_dir) in mounts
        assert env["PG_URL"].startswith("postgresql://") and "@postgres:5432/kenny" in env["PG_URL"]
    named = set(compose["volumes"])
    for svc in services.values():
        for mount in svc.get("volumes") or []:
            source = mount.split(":")[0]
            assert source.startswith("./") or source in named, mount
            if source.startswith("./"):
                assert (ROOT / source).exists(), mount


def test_compose_commands_exist(compose: dict):
    parser = cli.build_parser()
    for command in ("migrate", "worker", "health", "login"):
        assert parser.parse_args([command]).command == command
    for name in ("deploy", "whatsapp-worker"):
        script = compose["services"][name]["command"][0]
        local = ROOT / script.removeprefix("/app/")
        assert local.is_file() and os.access(local, os.X_OK), script
    entry = (ROOT / "docker/worker-entrypoint.sh").read_text()
    assert "kenny-wa health" in entry and "prefect worker start --pool" in entry and "--type process" in entry
    deploy = (ROOT / "docker/deploy.sh").read_text()
    assert "exec kenny-wa deploy" in deploy  # kenny_wa/deploy.py: pool if missing, then deploy --all
    initdb = (ROOT / "docker/initdb/01-prefect.sql").read_text()
    assert "CREATE DATABASE prefect" in initdb and "pg_trgm" in initdb


# --- the flow's pure helpers -----------------------------------------------------------------


def test_summary_table_is_counts_and_refs_only():
    from flows import whatsapp_sync as f
    from kenny_wa.summary import SyncSummary

    summary = SyncSummary(messages_fetched=5, upserts=4)
    summary.add_partial("chat-0123456789ab", "history_stalled")
    rows = f.summary_table(summary.as_dict())
    assert {"item": "status", "value": "partial"} in rows
    assert {"item": "messages_fetched", "value": "5"} in rows
    assert rows[-1] == {"item": "partial chat-0123456789ab", "value": "history_stalled"}
    assert all(set(r) == {"item", "value"} for r in rows)
    summary.deferred_unread, summary.deferred_chats = 1, ["chat-00aa11bb22cc"]
    rows = f.summary_table(summary.as_dict())
    assert {"item": "deferred_unread", "value": "1"} in rows
    assert rows[-1] == {"item": "deferred chat-00aa11bb22cc", "value": "unread"}


def test_skipped_summary_and_finish():
    from flows import whatsapp_sync as f

    skipped = f.skipped_summary({"skip": True, "until": "2026-05-01T12:00:00+00:00"})
    assert skipped["status"] == "skipped" and skipped["error_kind"] == "backoff"
    assert "skipped: backoff" in skipped["error_message"]
    assert f._finish(skipped) is skipped
    for status in ("expired", "conflict", "ui_drift", "error"):
        state = f._finish({"status": status, "error_kind": status, "error_message": "Fixed text."})
        assert state.is_failed() and state.message == f"WhatsApp sync ended {status}: Fixed text."
        assert isinstance(state.data, f.SyncFailed) and state.data.summary["status"] == status
        assert pickle.loads(pickle.dumps(state.data)).summary["status"] == status
    assert pickle.loads(pickle.dumps(f.TransientSyncFailure({"error_kind": "x"}))).summary == {
        "error_kind": "x"
    }


def test_profile_resource_id_is_short_and_stable():
    from flows import whatsapp_sync as f

    settings = config.load_settings({"WHATSAPP_PROFILE_DIR": "/data/whatsapp_profile"})
    rid = f.profile_resource_id(settings)
    assert re.fullmatch(r"kenny\.whatsapp\.profile\.[0-9a-f]{12}", rid)
    assert rid == f.profile_resource_id(settings)
    assert "data" not in rid


class _State:
    def __init__(self, exc):
        self.exc = exc

    def result(self):
        raise self.exc


def test_retry_condition_retries_transient_only():
    from flows import whatsapp_sync as f
    from kenny_wa import errors

    assert f.retry_transient(None, None, _State(f.TransientSyncFailure({"error_kind": "db_unavailable"})))
    assert f.retry_transient(None, None, _State(errors.DatabaseUnavailable()))
    assert not f.retry_transient(None, None, _State(errors.SessionExpired()))
    assert not f.retry_transient(None, None, _State(RuntimeError("x")))
    assert f.TRANSIENT_KINDS == {"db_unavailable", "browser_crashed", "page_timeout", "page_reloaded"}


def test_sync_task_limit_comes_from_the_setting_not_a_fixed_four_hours():
    from flows import whatsapp_sync as f

    assert f.sync_task_timeout_seconds(config.load_settings({})) == 60 * 60
    assert f.sync_task_timeout_seconds(config.load_settings({"WHATSAPP_SYNC_TIMEOUT_MINUTES": "25"})) == 1500
    assert f.sync_chats.timeout_seconds is None  # set per run from the settings, never at import
