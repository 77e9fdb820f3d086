"""``kenny-wa demo``: one full sync against the local replica, through the real Prefect flow.

Nothing here talks to WhatsApp: the demo starts the replica of WhatsApp Web in-process,
*simulates the phone scanning the QR code* (the replica's pairing control), and runs the
``whatsapp-sync`` flow once on Prefect's ephemeral server (no Prefect server to install).
Everything it creates lives under ``<KENNY_WA_STATE_DIR>/demo`` (profile, attachments,
Prefect's home); the data goes into the embedded PostgreSQL (or ``PG_URL`` when set), so
``kenny-wa status`` and ``kenny-wa health`` show it afterwards.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from kenny_wa import logs
from kenny_wa.config import Settings

log = logs.get_logger(__name__)

DEMO_LATENCY_MS = 20
PAIR_TIMEOUT_S = 120

# Prefect settings for an ephemeral, offline, quiet run (set before prefect is imported)
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_TASKS_DEFAULT_NO_CACHE": "true",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "kenny_wa",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_UI_ENABLED": "false",
}


def demo_paths(settings: Settings) -> dict[str, Path]:
    root = settings.state_dir / "demo"
    return {
        "root": root,
        "profile": root / "whatsapp_profile",
        "attachments": root / "attachments",
        "prefect_home": root / "prefect",
    }


def prefect_environment(prefect_home: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The Prefect variables the demo sets (explicit values in the environment win)."""
    environ = os.environ if environ is None else environ
    wanted = {"PREFECT_HOME": str(prefect_home), **PREFECT_DEFAULTS}
    return {k: v for k, v in wanted.items() if k not in environ}


def settings_environment(settings: Settings) -> dict[str, str]:
    """The variables that make the flow process read the demo's settings."""
    env = {
        "WHATSAPP_WEB_URL": settings.web_url,
        "WHATSAPP_PROFILE_DIR": str(settings.profile_dir),
        "ATTACHMENTS_DIR": str(settings.attachments_dir),
        "KENNY_WA_STATE_DIR": str(settings.state_dir),
        "WHATSAPP_SCROLL_MIN_INTERVAL_MS": str(settings.scroll_min_interval_ms),
    }
    if settings.pg_url:
        env["PG_URL"] = settings.pg_url
    return env


def run_demo(settings: Settings, scenario: str = "default", *, out: TextIO | None = None) -> int:
    """Run the demo; 0 when the sync ended ok or partial."""
    out = out or sys.stdout
    paths = demo_paths(settings)
    for key in ("root", "prefect_home"):
        _private_dir(paths[key])
    # a fresh replica forgets earlier pairings, so the demo profile starts empty each time
    shutil.rmtree(paths["profile"], ignore_errors=True)
    _private_dir(paths["profile"])
    _private_dir(paths["attachments"])
    os.environ.update(prefect_environment(paths["prefect_home"]))

    from kenny_wa import store
    from kenny_wa.replica import ReplicaServer

    say = _printer(out)
    say("kenny-wa demo: a full sync against a local WhatsApp Web replica (no real WhatsApp).")
    pg_url = store.resolve_pg_url(settings)
    say(
        "PostgreSQL: "
        + ("PG_URL" if settings.pg_url else f"embedded, data in {settings.state_dir / 'postgres'}")
    )
    with store.connect(pg_url) as conn:
        applied = store.migrate(conn)
        conn.commit()
    say(f"migrations applied: {len(applied)}")

    with ReplicaServer(scenario=scenario, era="p6", seed=1, latency_ms=DEMO_LATENCY_MS) as replica:
        demo_settings = settings.model_copy(
            update={
                "pg_url": pg_url,
                "web_url": replica.url.rstrip("/"),
                "profile_dir": paths["profile"],
                "attachments_dir": paths["attachments"],
                # the rate limit protects a real account; the local replica needs none
                "scroll_min_interval_ms": (
                    settings.scroll_min_interval_ms
                    if "WHATSAPP_SCROLL_MIN_INTERVAL_MS" in os.environ
                    else 0
                ),
            }
        )
        os.environ.update(settings_environment(demo_settings))
        say(f"replica ({scenario} scenario, DOM era p6) at {replica.url}")
        say("pairing: simulating the phone scanning the QR code (the replica's pairing control)")
        pair_profile(replica, demo_settings, out=io.StringIO())  # no QR to show: the scan is simulated
        say(
            "running the Prefect flow `whatsapp-sync` once (ephemeral Prefect server, "
            f"PREFECT_HOME={os.environ.get('PREFECT_HOME')})"
        )
        summary = run_flow_once()
    _print_summary(say, summary)
    _print_next_steps(say, settings)
    return 0 if summary.get("status") in ("ok", "partial") else _exit_code(summary)


def pair_profile(
    replica: Any, settings: Settings, timeout_s: int = PAIR_TIMEOUT_S, *, out: TextIO | None = None
) -> None:
    """Pair the profile with the replica: `kenny-wa login`'s code, with the scan simulated."""
    from kenny_wa.browser import login

    stop = threading.Event()

    def scan() -> None:  # the phone: keep scanning whatever QR is on screen until paired
        while not stop.wait(0.3):
            replica.pair()

    scanner = threading.Thread(target=scan, name="demo-phone", daemon=True)
    scanner.start()
    try:
        code = login.run_login(
            settings,
            timeout_s=timeout_s,
            qr_png_path=settings.state_dir / "demo" / "qr.png",
            out=out or sys.stdout,
        )
    finally:
        stop.set()
        scanner.join(timeout=2)
    if code != 0:
        from kenny_wa import errors

        raise errors.LoginTimeout("The demo could not pair the replica (see the messages above).")


def run_flow_once() -> dict[str, Any]:
    """Call the flow function (Prefect's ephemeral server); the summary dict either way."""
    from flows.whatsapp_sync import SyncFailed, whatsapp_sync

    try:
        return whatsapp_sync()
    except SyncFailed as exc:
        return exc.summary


def _print_summary(say, summary: dict[str, Any]) -> None:
    from kenny_wa import progress
    from kenny_wa.summary import SyncSummary

    fields = {f.name for f in dataclasses.fields(SyncSummary)}
    say("")
    say(progress.render_summary(SyncSummary(**{k: v for k, v in summary.items() if k in fields})))


def next_steps(settings: Settings, prefect_home: str | None) -> list[str]:
    """The demo's "What to try next" lines, each runnable as printed in the user's shell."""
    from kenny_wa.cli import activation_hint, how_to_run

    kw, prefect = how_to_run("kenny-wa"), how_to_run("prefect")
    where = f"{settings.health_host}:{settings.health_port}"
    steps = [
        (f"{kw} status", "session, last sync, rows, jobs"),
        (f"{kw} health &", f"/health and /metrics on {where}"),
        (f"curl -s {where}/health; curl -s {where}/metrics", ""),
        (f"PREFECT_HOME={prefect_home} {prefect} server start",
         "the Prefect UI with this run, at http://127.0.0.1:4200"),
        (f"{kw} login", "pair your real phone (scan the QR), then"),
        (f"{kw} sync --once", "a real sync of the last 30 days (read-only)"),
    ]
    width = max(len(command) for command, _ in steps) + 2
    lines = [f"  {command.ljust(width)}# {note}" if note else f"  {command}" for command, note in steps]
    hint = activation_hint()
    if hint:
        lines.append(f"  (or run `{hint}` once, then type plain `kenny-wa` and `prefect`)")
    lines.append("  (the demo profile was paired with the replica only; real syncs use WHATSAPP_PROFILE_DIR)")
    return lines


def _print_next_steps(say, settings: Settings) -> None:
    say("")
    say("What to try next:")
    for line in next_steps(settings, os.environ.get("PREFECT_HOME")):
        say(line)


def _exit_code(summary: dict[str, Any]) -> int:
    from kenny_wa.summary import SyncSummary

    try:
        return SyncSummary(status=summary["status"], error_kind=summary.get("error_kind")).exit_code
    except KeyError:
        return 1


def _printer(out: TextIO):
    def say(line: str) -> None:
        print(line, file=out, flush=True)

    return say


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
