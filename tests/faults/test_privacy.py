"""Privacy and security: no message content, name or number leaves the database.

A full sync of ``scenarios/privacy-marked.json`` (every text carries a unique MRKZQnnn marker;
names, titles and phone numbers are distinctive) at DEBUG log level, then the marked values
are searched in the JSON logs, the ``--json`` summary, ``/health``, ``/metrics``, the Prefect
artifact table and every error's str/repr/traceback. Also: owner-only folders, the health
server's default bind address, the read-only promise and the refused sending switch.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import traceback
import urllib.request

import psycopg
import pytest
from faulthelpers import KENNY_WA, as_url, base_env, rig

from kenny_wa import errors, health, media, store
from kenny_wa.replica import scenario as scenario_mod


def marked_values() -> list[str]:
    """Every marker, name, title and phone (display and digit forms) of the scenario."""
    scn = scenario_mod.load("privacy-marked")
    values: set[str] = {scn.own_name}
    for chat in scn.chats:
        values.add(chat.title)
        for person in chat.participants:
            values |= {person.phone, re.sub(r"\D", "", person.phone)}
            if person.name:
                values |= {person.name, *person.name.split()}
        for m in chat.messages:
            if m.text:
                values |= set(re.findall(r"MRKZQ\d{3}", m.text))
                values.add(m.text)
    values |= {v for v in list(values) if v.isdigit() for v in (v[-7:],)}  # the local part of a number
    return sorted(v for v in values if len(v) >= 5)


def assert_clean(where: str, text: str, values: list[str]) -> None:
    leaked = [v for v in values if v in text]
    assert not leaked, f"{where} leaks {leaked[:5]}"


@pytest.mark.e2e
@pytest.mark.slow
def test_debug_sync_leaks_nothing_and_folders_are_private(tmp_path, db_url, pg_server_url):
    values = marked_values()
    assert any(v.startswith("MRKZQ") for v in values) and "Quintavius Markername" in values
    with rig("privacy-marked", tmp_path, db_url, KENNY_WA_LOG_LEVEL="DEBUG",
             IMAGE_PROCESSING_ENABLED="true") as r:
        res = r.sync()
        assert res.code == 0, res.summary
        url = as_url(db_url)
        with psycopg.connect(url) as conn:  # the content is in the database, as it should be
            stored = conn.execute("select string_agg(content_snippet, ' ') from messages").fetchone()[0]
        assert "MRKZQ001" in stored
        logs = res.logs()
        assert len(logs) > 10 and any(line.get("level") == "debug" for line in logs)
        assert_clean("stderr (DEBUG JSON logs)", res.stderr, values)
        assert_clean("the --json summary", res.stdout, values)

        # the read-only promise: no key press, input or click reached the page's controls
        assert r.replica.interactions() == []

        # /health and /metrics, served on the default host (127.0.0.1)
        settings = r.settings()
        assert settings.health_host == "127.0.0.1"
        server = health.make_server(settings, port=0)
        assert server.server_address[0] == "127.0.0.1"
        health.start_in_thread(server)
        try:
            port = server.server_address[1]
            for path in ("/health", "/metrics"):
                try:
                    body = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
                except urllib.error.HTTPError as exc:  # 503 still has a body
                    body = exc.read()
                assert body
                assert_clean(path, body.decode(), values)
        finally:
            server.shutdown()
            server.server_close()

        # the Prefect artifact table, built from this run's summary
        flows = pytest.importorskip("flows.whatsapp_sync")
        rows = flows.summary_table(res.summary)
        assert_clean("the Prefect artifact", json.dumps(rows, ensure_ascii=False), values)
        with psycopg.connect(url) as conn:
            runs = conn.execute("select row_to_json(r)::text from sync_runs r").fetchall()
            state = conn.execute("select row_to_json(s)::text from sync_state s").fetchall()
        assert_clean("sync_runs / sync_state rows", json.dumps([runs, state]), values)

        # owner-only folders and files
        for folder in (r.profile, r.attachments):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        files = [p for p in r.attachments.rglob("*")]
        assert files
        for p in files:
            want = 0o700 if p.is_dir() else 0o600
            assert stat.S_IMODE(p.stat().st_mode) == want, p


def _render(exc: BaseException) -> str:
    return str(exc) + repr(exc) + "".join(traceback.format_exception(exc))


def test_error_texts_hold_no_content(db_conn):
    values = marked_values()
    marker = next(v for v in values if v.startswith("MRKZQ"))
    # a driver error whose own text quotes the offending value
    try:
        db_conn.execute("select %s::int", (marker,))
    except psycopg.Error as exc:
        assert marker in str(exc)  # psycopg's message does quote it...
        translated = store.db.translate(exc)
        db_conn.rollback()
    try:
        raise translated from None
    except errors.KennyWaError as raised:
        assert_clean("DatabaseUnavailable", _render(raised), values)  # ...ours does not

    @store.db.boundary
    def failing(conn):
        conn.execute("select %s::int", (marker,))

    with pytest.raises(errors.DatabaseUnavailable) as info:
        failing(db_conn)
    db_conn.rollback()
    assert_clean("a boundary error", _render(info.value), values)
    # every error kind, and every image rejection
    kinds = [errors.ConfigError("PG_URL", "a URL"), errors.SendingRefused(),
             errors.UnusablePath("ATTACHMENTS_DIR", "/srv/attachments", "it is a file, not a folder")]
    stack = [errors.KennyWaError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls not in (errors.ConfigError, errors.SendingRefused, errors.UnusablePath, media.ImageRejected):
            try:
                kinds.append(cls())
            except TypeError:  # kinds with fixed arguments (a version, a variable)
                kinds.append(cls("0001"))
    kinds += [media.ImageRejected(r) for r in media.REJECT_REASONS]
    for exc in kinds:
        assert_clean(type(exc).__name__, _render(exc), values)
        assert exc.exit_code >= 1


def test_unexpected_exception_prints_only_its_type(monkeypatch, capsys):
    from kenny_wa import cli, sync

    def boom(*a, **k):
        raise RuntimeError("MRKZQ001 secret body Quintavius Markername")

    monkeypatch.setattr(sync, "run_sync", boom)
    for key in ("PG_URL", "KENNY_WA_LOG_LEVEL", "WHATSAPP_ENABLE_SENDING"):
        monkeypatch.delenv(key, raising=False)
    assert cli.main(["sync", "--once", "--json"]) == 1
    out = capsys.readouterr()
    assert "RuntimeError" in out.err
    assert_clean("unexpected error output", out.out + out.err, marked_values())


@pytest.mark.parametrize("value", ["true", "1", "YES", "on"])
def test_sending_switch_is_refused(value):
    env = {**base_env(), "WHATSAPP_ENABLE_SENDING": value}
    done = subprocess.run([*KENNY_WA, "sync", "--once", "--json"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "WHATSAPP_ENABLE_SENDING" in done.stderr
    assert done.stdout == ""


def test_health_server_default_bind_is_loopback():
    from kenny_wa.config import Settings, load_settings

    assert Settings().health_host == "127.0.0.1"
    assert load_settings({}).health_host == "127.0.0.1"
    parser = __import__("kenny_wa.cli", fromlist=["build_parser"]).build_parser()
    assert parser.parse_args(["health"]).host is None  # falls back to the setting
    assert sys.modules["kenny_wa.health"] is health
