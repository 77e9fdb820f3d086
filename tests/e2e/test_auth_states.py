"""Auth states against the replica in real Chromium, through kenny-wa's own launch code."""

from __future__ import annotations

import io
import threading

import pytest
from navhelpers import pair, settings_for

from kenny_wa import errors
from kenny_wa.browser import auth, launch, login
from kenny_wa.browser.auth import AuthState

pytestmark = [pytest.mark.e2e]
replica_mod = pytest.importorskip("kenny_wa.replica.server")


@pytest.fixture
def pw():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def replica():
    with replica_mod.ReplicaServer(scenario="small", era="p6", seed=3, latency_ms=0) as r:
        yield r


def test_unpaired_profile_needs_qr(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    with launch.browser_session(settings, playwright=pw) as page:
        with pytest.raises(errors.QrRequired):
            auth.wait_for_ready(page, settings)
        assert auth.detect_state(page) in (AuthState.QR, AuthState.QR_IDLE)


@pytest.mark.slow
def test_pair_then_main_and_expired_later(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    with launch.browser_session(settings, playwright=pw) as page:
        pair(page, settings, replica)
        assert auth.detect_state(page) in auth.READY
        assert launch.is_paired(settings.profile_dir)
        replica.expire()
        # the page notices on its next poll, like the real one
        gone = frozenset({AuthState.QR, AuthState.QR_IDLE, AuthState.LOGGED_OUT})
        assert auth.wait_for_state(page, gone, 15_000) in gone
        with pytest.raises(errors.SessionExpired) as info:
            auth.check_still_logged_in(page, settings)
        assert not isinstance(info.value, errors.QrRequired)


@pytest.mark.slow
def test_session_persists_across_launches(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    with launch.browser_session(settings, playwright=pw) as page:
        pair(page, settings, replica)
    with launch.browser_session(settings, playwright=pw) as page:
        assert auth.wait_for_ready(page, settings) in auth.READY


def test_conflict_raises_or_takes_over(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    with launch.browser_session(settings, playwright=pw) as page:
        pair(page, settings, replica)
        replica.conflict()
        assert auth.wait_for_state(page, frozenset({AuthState.CONFLICT}), 15_000) == AuthState.CONFLICT
        with pytest.raises(errors.Conflict):
            auth.check_still_logged_in(page, settings)
        takeover = settings_for(replica, tmp_path, WHATSAPP_TAKEOVER_ON_CONFLICT="true")
        assert auth.check_still_logged_in(page, takeover) in auth.READY


def test_headless_user_agent_is_unsupported(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    with launch.browser_session(settings, playwright=pw, spoof_user_agent=False) as page:
        with pytest.raises(errors.UnsupportedBrowser):
            auth.wait_for_ready(page, settings)


def test_same_profile_twice_is_refused(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    with launch.browser_session(settings, playwright=pw):
        with pytest.raises(errors.ProfileInUse) as info:
            with launch.browser_session(settings, playwright=pw):
                pass
    assert "profile" in str(info.value).lower()


@pytest.mark.slow
def test_unknown_page_is_ui_drift_with_clean_diagnostics(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path, WHATSAPP_PAGE_TIMEOUT_SECONDS="2")
    truth = replica.ground_truth()
    with launch.browser_session(settings, playwright=pw) as page:
        pair(page, settings, replica)
        # a page that matches no profile, but full of the scenario's private content
        names = [c["title"] for c in truth["chats"]]
        texts = [m["content_snippet"] for m in truth["messages"] if m["content_snippet"]][:50]
        items = "".join(
            f"<li aria-label='{n}'>{t}</li>" for n, t in zip(names, texts, strict=False)
        )
        body = f"<html><body><div id='x' title='{names[0]}'>{texts[0]}</div><ul>{items}</ul></body></html>"
        page.route(
            settings.web_url + "/drift",
            lambda route: route.fulfill(status=200, content_type="text/html", body=body),
        )
        drift = settings_for(replica, tmp_path, WHATSAPP_PAGE_TIMEOUT_SECONDS="2",
                             WHATSAPP_WEB_URL=settings.web_url + "/drift")
        with pytest.raises(errors.UiDrift):
            auth.wait_for_ready(page, drift)
    folders = list((tmp_path / "state" / "diagnostics").iterdir())
    assert len(folders) == 1
    folder = folders[0]
    assert folder.stat().st_mode & 0o777 == 0o700
    files = {p.name: p for p in folder.iterdir()}
    assert {"dom-skeleton.html", "state.json"} <= set(files)
    for path in files.values():
        assert path.stat().st_mode & 0o777 == 0o600
        blob = path.read_bytes()
        for secret in names + texts:
            assert secret.encode("utf-8") not in blob
    skeleton = files["dom-skeleton.html"].read_text()
    assert 'id="x"' in skeleton and "aria-label=\"\"" in skeleton


def test_login_prints_qr_and_returns_after_pair(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    out = io.StringIO()
    png = tmp_path / "state" / "qr.png"
    stop = threading.Event()

    def phone_scans() -> None:  # the "phone" scans as soon as a QR is on screen
        while not stop.is_set() and not replica.pair():
            stop.wait(0.2)

    scanner = threading.Thread(target=phone_scans, daemon=True)
    scanner.start()
    try:
        code = login.run_login(settings, timeout_s=60, qr_png_path=png, out=out, playwright=pw)
    finally:
        stop.set()
        scanner.join(5)
    assert code == 0
    text = out.getvalue()
    assert "█" in text or "▀" in text
    assert "Linked" in text
    assert launch.is_paired(settings.profile_dir)


def test_login_command_marks_an_expired_session_logged_in_again(replica, tmp_path, db_url):
    import argparse

    from kenny_wa import cli, store

    if not db_url.startswith("postgresql://"):
        pytest.skip("PG_URL takes a URL; this server is reached by conninfo")
    settings = settings_for(replica, tmp_path, PG_URL=db_url)
    with store.connect(db_url, autocommit=True) as conn:
        store.record_sync_state(conn, session_status="expired", success=False)
    stop = threading.Event()

    def phone_scans() -> None:
        while not stop.is_set() and not replica.pair():
            stop.wait(0.2)

    scanner = threading.Thread(target=phone_scans, daemon=True)
    scanner.start()
    try:
        code = cli._cmd_login(argparse.Namespace(qr_png=tmp_path / "qr.png", timeout=60), settings)
    finally:
        stop.set()
        scanner.join(5)
    assert code == 0
    with store.connect(db_url, autocommit=True) as conn:
        state = store.get_sync_state(conn)
    assert state["session_status"] == "logged_in"
    assert state["consecutive_failures"] == 1  # only the session changed; the next run records itself


@pytest.mark.slow
def test_login_times_out(pw, replica, tmp_path):
    settings = settings_for(replica, tmp_path)
    png = tmp_path / "state" / "qr.png"
    with pytest.raises(errors.LoginTimeout):
        login.run_login(settings, timeout_s=4, qr_png_path=png, out=io.StringIO(), playwright=pw)
    assert png.exists() and png.stat().st_mode & 0o777 == 0o600
