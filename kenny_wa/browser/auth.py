"""Which WhatsApp Web screen is showing, and waiting until the session is ready.

:func:`detect_state` asks the page once (one evaluate checks every marker);
:func:`wait_for_ready` opens WhatsApp Web and waits, event-driven, for a terminal state;
:func:`check_still_logged_in` is the cheap check between chats. Failures become the
fixed-message errors of :mod:`kenny_wa.errors`; an unknown page writes a content-free
diagnostics folder (blanked DOM skeleton + screenshot of the blanked page).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kenny_wa import errors, logs, media
from kenny_wa.browser import boundary, launch, pagejs, selectors
from kenny_wa.config import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

log = logs.get_logger(__name__)


class AuthState(enum.StrEnum):
    BOOT = "BOOT"
    QR = "QR"
    QR_IDLE = "QR_IDLE"
    LOADING = "LOADING"
    MAIN = "MAIN"
    CHAT_OPEN = "CHAT_OPEN"
    CONFLICT = "CONFLICT"
    LOGGED_OUT = "LOGGED_OUT"
    UNSUPPORTED_BROWSER = "UNSUPPORTED_BROWSER"
    HTTP_429 = "HTTP_429"
    UNKNOWN = "UNKNOWN"


READY = frozenset({AuthState.MAIN, AuthState.CHAT_OPEN})
TERMINAL = READY | {
    AuthState.QR,
    AuthState.QR_IDLE,
    AuthState.CONFLICT,
    AuthState.LOGGED_OUT,
    AuthState.UNSUPPORTED_BROWSER,
    AuthState.HTTP_429,
}
NAVIGATION_TIMEOUT_MS = 60_000
POLL_MS = 100  # state predicates are re-checked this often while waiting
UNKNOWN_GRACE_MS = 15_000  # an unknown page must stay unknown this long before it is drift
TAKEOVER_ATTEMPTS = 2
SCREENSHOT_TIMEOUT_MS = 10_000
STRUCTURAL_ATTRIBUTES = (
    "id", "role", "data-testid", "data-icon", "tabindex", "dir", "data-virtualized",
    "data-scrolltracepolicy", "data-tab", "aria-rowcount", "aria-rowindex", "aria-modal",
    "aria-selected", "aria-hidden", "type", "contenteditable", "data-lexical-editor", "lang",
    "data-animate-modal-body", "data-animate-modal-backdrop", "max", "value-kind",
)


def js_arg() -> dict:
    """The argument every navigation script takes: selectors and lower-case page texts."""
    return {
        "nav": {role: list(c) for role, c in selectors.NAVIGATION.items()},
        "text": {k: [t.lower() for t in v] for k, v in selectors.TEXTS.items()},
    }


def detect_state(page: Page) -> AuthState:
    """The screen showing now (one evaluate); UNKNOWN when nothing matches, BOOT while the
    page navigates."""
    try:
        return AuthState(boundary.evaluate(page, pagejs.call("detect_state"), js_arg()))
    except errors.PageReloaded:
        return AuthState.BOOT


def wait_for_state(page: Page, states: frozenset[AuthState], timeout_ms: float) -> AuthState:
    """Wait (event-driven) until the page shows one of ``states``; return the last state seen.

    Survives the navigations WhatsApp Web does while booting (a destroyed execution
    context just restarts the wait). Returns the current state on timeout.
    """
    wanted = [s.value for s in states]
    predicate = pagejs.predicate("detect_state", "arg.wanted.includes(read) ? read : false")
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(1.0, (deadline - time.monotonic()) * 1000)
        try:
            state = boundary.wait_or_none(
                page, predicate, {"js": js_arg(), "wanted": wanted}, timeout_ms=remaining, polling=POLL_MS
            )
        except errors.PageReloaded:
            if time.monotonic() >= deadline:
                raise
            with boundary.ignored():
                page.wait_for_load_state("domcontentloaded", timeout=remaining)
            continue
        return detect_state(page) if state is None else AuthState(state)


def wait_for_ready(page: Page, settings: Settings) -> AuthState:
    """Open WhatsApp Web and wait until the chat list shows; raise on every other outcome.

    Raises QrRequired (never paired), SessionExpired (QR / logged out), Conflict (open
    elsewhere and no takeover), UnsupportedBrowser, RateLimited (HTTP 429), UiDrift
    (nothing known showed within settings.page_timeout_seconds; diagnostics written),
    BrowserCrashed.
    """
    boundary.open_url(page, settings.web_url, timeout_ms=NAVIGATION_TIMEOUT_MS)
    budget_ms = settings.page_timeout_seconds * 1000
    takeovers = 0
    while True:
        state = wait_for_state(page, TERMINAL, budget_ms)
        if state == AuthState.UNKNOWN:
            # give a page that is still settling a short second chance before calling it drift
            state = wait_for_state(page, TERMINAL, min(UNKNOWN_GRACE_MS, budget_ms))
        if state in READY:
            launch.mark_paired(settings.profile_dir)
            log.info("session_ready", state=state.value)
            return state
        if state == AuthState.CONFLICT and settings.takeover_on_conflict and takeovers < TAKEOVER_ATTEMPTS:
            takeovers += 1
            take_over(page)
            continue
        raise error_for(page, state, settings)


def error_for(page: Page, state: AuthState, settings: Settings) -> errors.KennyWaError:
    """The error a non-ready state means (writes diagnostics for an unknown page)."""
    if state in (AuthState.QR, AuthState.QR_IDLE, AuthState.LOGGED_OUT):
        if not launch.is_paired(settings.profile_dir):
            return errors.QrRequired()
        return errors.SessionExpired()
    if state == AuthState.CONFLICT:
        return errors.Conflict()
    if state == AuthState.UNSUPPORTED_BROWSER:
        return errors.UnsupportedBrowser()
    if state == AuthState.HTTP_429:
        return errors.RateLimited()
    folder = write_diagnostics(page, settings, state)
    log.warning("ui_drift", state=state.value, diagnostics=str(folder) if folder else None)
    if state in (AuthState.BOOT, AuthState.LOADING):
        return errors.UiDrift(
            "WhatsApp Web did not finish loading within WHATSAPP_PAGE_TIMEOUT_SECONDS "
            "(a cold profile can be slow; diagnostics were written to the state folder)."
        )
    return errors.UiDrift()


def take_over(page: Page) -> None:
    """Click "Use here" on the conflict dialog (only when WHATSAPP_TAKEOVER_ON_CONFLICT)."""
    point = boundary.evaluate(page, pagejs.call("find_use_here"), js_arg())
    if not point:
        raise errors.Conflict()
    log.info("conflict_takeover")
    boundary.click(page, point)


def check_still_logged_in(page: Page, settings: Settings) -> AuthState:
    """Between chats: raise SessionExpired / Conflict if the session went away mid-run."""
    state = detect_state(page)
    if state in READY:
        return state
    if state == AuthState.CONFLICT and settings.takeover_on_conflict:
        take_over(page)
        state = wait_for_state(page, READY | {AuthState.QR, AuthState.LOGGED_OUT}, 30_000)
        if state in READY:
            return state
    if state in (AuthState.BOOT, AuthState.LOADING, AuthState.UNKNOWN):
        # a reload in progress: wait for where it lands
        state = wait_for_state(page, TERMINAL, settings.page_timeout_seconds * 1000)
        if state in READY:
            return state
    log.warning("session_lost", state=state.value)
    if state in (AuthState.QR, AuthState.QR_IDLE, AuthState.LOGGED_OUT):
        return _raise(errors.SessionExpired())
    return _raise(error_for(page, state, settings))


def write_diagnostics(page: Page, settings: Settings, state: AuthState) -> Path | None:
    """Blanked DOM skeleton + screenshot of the blanked page under
    state_dir/diagnostics/<timestamp>/ (0700, files 0600).

    The screenshot is taken only after ``page_js/blank_page.js`` made every text transparent
    and hid every image in the page (the run ends here, so the page is not needed again);
    when that fails there is no screenshot.
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = settings.state_dir / "diagnostics" / stamp
    try:
        media.ensure_private_dir(folder)  # and the diagnostics and state folders, if missing
        media.ensure_private_dir(folder.parent)
    except OSError:
        return None
    with boundary.ignored():
        skeleton = page.evaluate(
            pagejs.call("dom_skeleton"), {"keep": list(STRUCTURAL_ATTRIBUTES), "maxNodes": 20000}
        )
        _write(folder / "dom-skeleton.html", skeleton.encode("utf-8"))
    with boundary.ignored():
        page.evaluate(pagejs.call("blank_page"), None)
        shot = page.screenshot(timeout=SCREENSHOT_TIMEOUT_MS, full_page=False, animations="disabled",
                               caret="hide")
        _write(folder / "screenshot.png", shot)
    summary = {"state": state.value, "written_at": stamp, "selector_profile": settings.selector_profile}
    _write(folder / "state.json", json.dumps(summary).encode("utf-8"))
    return folder


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _raise(exc: errors.KennyWaError) -> AuthState:
    raise exc
