"""`kenny-wa login`: pair this profile by scanning the QR code WhatsApp Web shows.

The QR payload (``div[data-ref]``) is printed as a scannable code in the terminal (segno,
compact) and saved as an owner-only PNG; each rotation re-prints it (an event-driven wait
on the attribute), an idle QR is reloaded, and the command returns 0 once the chat list
shows. The payload is a secret: it is never logged.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kenny_wa import errors
from kenny_wa.browser import auth, boundary, launch, pagejs
from kenny_wa.browser.auth import AuthState
from kenny_wa.config import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Page, Playwright

LOGIN_STATES = auth.TERMINAL
RELOAD_ATTEMPTS = 5


def render_qr(ref: str, out: TextIO, png_path: Path) -> None:
    """Print the code for the phone to scan and save it as an owner-only PNG."""
    import segno

    code = segno.make(ref, error="l", micro=False)
    out.write("\nScan this code with WhatsApp on your phone (Settings > Linked devices):\n")
    code.terminal(out=out, compact=True, border=2)
    out.write(f"(also saved as {png_path})\n")
    out.flush()
    from kenny_wa import media

    media.ensure_private_dir(png_path.parent)
    fd = os.open(png_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        code.save(handle, kind="png", scale=8, border=4)
    os.chmod(png_path, 0o600)


def run_login(
    settings: Settings,
    *,
    timeout_s: float,
    qr_png_path: Path,
    out: TextIO = sys.stdout,
    playwright: Playwright | None = None,
) -> int:
    """Show the QR until the phone pairs; 0 once the chat list shows.

    Raises LoginTimeout, Conflict (no takeover), UnsupportedBrowser, RateLimited,
    ProfileInUse, BrowserCrashed.
    """
    with launch.browser_session(settings, playwright=playwright) as page:
        return _login(page, settings, timeout_s=timeout_s, png=Path(qr_png_path), out=out)


def _login(page: Page, settings: Settings, *, timeout_s: float, png: Path, out: TextIO) -> int:
    try:
        boundary.open_url(page, settings.web_url, timeout_ms=auth.NAVIGATION_TIMEOUT_MS)
    except errors.PageUnreachable:  # pairing names no network cause: the page did not load
        raise errors.BrowserCrashed("WhatsApp Web could not be loaded.") from None
    deadline = time.monotonic() + timeout_s
    shown: str | None = None
    reloads = 0
    takeovers = 0
    while (remaining := deadline - time.monotonic()) > 0:
        state = auth.wait_for_state(page, LOGIN_STATES, remaining * 1000)
        if state in auth.READY:
            launch.mark_paired(settings.profile_dir)
            if png.exists():
                png.unlink()  # the code is useless now; don't leave it lying around
            out.write("Linked: the chat list is showing. This profile is ready for `kenny-wa sync`.\n")
            out.flush()
            return 0
        if state == AuthState.QR:
            ref = _qr_ref(page)
            if ref and ref != shown:
                render_qr(ref, out, png)
                shown = ref
            _wait_qr_change(page, shown, (deadline - time.monotonic()) * 1000)
        elif state == AuthState.QR_IDLE and reloads < RELOAD_ATTEMPTS:
            reloads += 1
            out.write("The code expired; asking for a new one…\n")
            _click_reload(page)
            auth.wait_for_state(page, frozenset({AuthState.QR}) | auth.READY, 15_000)
        elif state == AuthState.CONFLICT and settings.takeover_on_conflict and takeovers < 2:
            takeovers += 1
            auth.take_over(page)
        elif state in (AuthState.BOOT, AuthState.LOADING, AuthState.UNKNOWN, AuthState.LOGGED_OUT):
            continue  # still on its way (a scan shows a loading screen first)
        else:
            raise auth.error_for(page, state, settings)
    raise errors.LoginTimeout()


def _qr_script() -> str:
    return (
        "(arg) => { const state = (" + pagejs.expr("detect_state") + ")(arg.js);"
        " return (" + pagejs.expr("qr_ref") + ")(arg, state); }"
    )


def _qr_ref(page: Page) -> str | None:
    value = boundary.evaluate(page, _qr_script(), {"js": auth.js_arg()})
    return (value or {}).get("ref")


def _wait_qr_change(page: Page, last: str | None, timeout_ms: float) -> None:
    """Wait until the code changes (or the screen does); a timeout or a navigation only ends
    the wait: the caller looks at where the page is."""
    arg = {"js": auth.js_arg(), "last": last}
    with contextlib.suppress(errors.PageReloaded):
        boundary.waited(page, _qr_script(), arg, timeout_ms=max(1.0, timeout_ms), polling=100)


def _click_reload(page: Page) -> None:
    point = boundary.evaluate(page, pagejs.call("find_qr_reload"), auth.js_arg())
    if point:
        boundary.click(page, point)
