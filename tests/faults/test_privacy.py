"""Privacy and security: no message content, name or number leaves the database.

A full sync of ``scenarios/privacy-marked.json`` (every text carries a unique MRKZQnnn marker;
names, titles and phone numbers are distinctive) at DEBUG log level, then the marked values
are searched in the JSON logs, the ``--json`` summary, ``/health``, ``/metrics``, the Prefect
artifact table and every error's str/repr/traceback. Also: owner-only folders, the health
server's default bind address, the read-only promise and the refused sending switch.
"""

from __future__ import annotations

import contextlib
import json
import re
import stat
import subprocess
import sys
import traceback
import urllib.request

import psycopg
import pytest
from faulthelpers import DRIFT_JS, KENNY_WA, OnChat, as_url, base_env, rig

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


@pytest.mark.e2e
@pytest.mark.slow
def test_under_every_unread_policy_only_mark_as_unread_reaches_the_page(tmp_path, db_url):
    """The input log: no key, input or click reaches the compose box or a send control under
    any policy; the one UI action is "Mark as unread" of the badged chats under restore."""
    values = [*marked_values(), "MRKZQ990", "MRKZQ991"]
    with rig("privacy-marked", tmp_path, db_url, KENNY_WA_LOG_LEVEL="DEBUG") as r:
        truth = r.replica.ground_truth()
        chats = [c["thread_external_id"] for c in truth["chats"] if not c["archived"]]
        # two live arrivals leave two badges (the scenario itself has none)
        for jid in chats[:2]:
            r.replica.add_message(jid, text="MRKZQ990 a badge for the input log")
        seen = 0
        for policy in ("defer", "read", "restore"):
            if policy == "restore":  # the read run read them: badge two chats again
                for jid in chats[:2]:
                    r.replica.add_message(jid, text="MRKZQ991 another badge")
            res = r.sync(WHATSAPP_UNREAD_CHATS=policy)
            assert res.code == 0, res.summary
            assert_clean(f"stderr under {policy}", res.stderr, values)
            assert_clean(f"the --json summary under {policy}", res.stdout, values)
            events = r.replica.interactions()[seen:]
            seen += len(events)
            assert not [e for e in events if e["target"] in ("compose", "send", "footer")], policy
            if policy == "restore":
                assert sorted((e["type"], e["target"], e["chat"]) for e in events) == sorted(
                    ("menu", "mark_unread", jid) for jid in chats[:2])
                assert res.summary["unread_restored"] == 2
            else:
                assert events == [], policy
        # the restored chats show the marker
        after = {c["thread_external_id"]: c for c in r.replica.ground_truth()["chats"]}
        assert all(after[jid]["marked_unread"] for jid in chats[:2])


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


# The page at the moment of the drift screenshot: every visible text must be transparent and
# every image hidden, while the DOM still holds the marked content (so the check can fail).
SCREENSHOT_CHECK_JS = """() => {
  const clear = 'rgba(0, 0, 0, 0)';
  const bad = [];
  let texts = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.data.trim() || !n.parentElement) continue;
    const cs = getComputedStyle(n.parentElement);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    texts += 1;
    if (cs.color !== clear || cs.webkitTextFillColor !== clear) bad.push('text');
  }
  for (const el of document.querySelectorAll('input, textarea, [contenteditable]')) {
    if (getComputedStyle(el).color !== clear) bad.push('input');
  }
  for (const el of document.querySelectorAll('img, canvas, video, iframe, picture')) {
    if (getComputedStyle(el).visibility !== 'hidden') bad.push(el.tagName);
  }
  for (const el of document.querySelectorAll('*')) {
    if (getComputedStyle(el).backgroundImage !== 'none') bad.push('background-image');
  }
  return {bad: bad.slice(0, 10), badCount: bad.length, texts, marked: document.body.textContent.includes('MRKZQ')};
}"""


def _files_under(*roots):
    for root in roots:
        if root.exists():
            yield from (p for p in root.rglob("*") if p.is_file())


@pytest.mark.e2e
@pytest.mark.slow
def test_ui_drift_of_the_marked_scenario_leaves_no_marker_in_any_file(tmp_path, db_url, monkeypatch, capfd):
    """A drift mid-run on ``privacy-marked`` (in-process, right after chat 1 committed): the
    diagnostics (skeleton, state, a screenshot of the blanked page), the logs, the summary,
    the artifact table and every file of the state folder hold no marked value."""
    from kenny_wa import logs, sync
    from kenny_wa.browser import launch

    values = marked_values()
    pages, at_screenshot = [], []
    real = launch.browser_session

    @contextlib.contextmanager
    def capturing(settings, **kw):
        with real(settings, **kw) as page:
            raw = page.unwatched
            shoot = type(raw).screenshot  # the class's: a page object may be patched twice

            def checked_screenshot(**options):
                at_screenshot.append(raw.evaluate(SCREENSHOT_CHECK_JS))
                return shoot(raw, **options)

            raw.screenshot = checked_screenshot
            pages.append(page)
            yield page

    monkeypatch.setattr(launch, "browser_session", capturing)
    with rig("privacy-marked", tmp_path, db_url) as r:
        hook = OnChat(1, lambda: pages[-1].evaluate(DRIFT_JS))
        settings = r.settings(KENNY_WA_LOG_LEVEL="DEBUG", WHATSAPP_PAGE_TIMEOUT_SECONDS="8")
        logs.configure("DEBUG", "json")
        capfd.readouterr()  # only what this run writes
        try:
            summary = sync.run_sync(settings, progress=hook)
        finally:
            written = capfd.readouterr()
            logs.configure("INFO", "auto")
    assert hook.fired and summary.status == "ui_drift", summary.as_dict()

    folders = list((tmp_path / "state" / "diagnostics").glob("*"))
    assert len(folders) == 1
    names = {p.name for p in folders[0].iterdir()}
    assert {"dom-skeleton.html", "screenshot.png", "state.json"} <= names, names
    # the screenshot was taken of the blanked page (and the page still held the content)
    assert len(at_screenshot) == 1, at_screenshot
    seen = at_screenshot[0]
    assert seen["marked"] and seen["texts"] > 10, seen
    assert seen["badCount"] == 0, seen

    assert '"event": "ui_drift"' in written.err or '"ui_drift"' in written.err
    assert_clean("the run's logs", written.out + written.err, values)
    assert_clean("the summary", json.dumps(summary.as_dict(), ensure_ascii=False), values)
    flows = pytest.importorskip("flows.whatsapp_sync")
    assert_clean("the artifact", json.dumps(flows.summary_table(summary.as_dict()), ensure_ascii=False), values)
    files = list(_files_under(tmp_path / "state"))
    assert len(files) >= 3
    for path in files:
        assert_clean(str(path.relative_to(tmp_path)), path.read_bytes().decode("utf-8", "replace"), values)
