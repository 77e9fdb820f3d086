"""Start Chromium on the persistent WhatsApp profile: discovery, user agent, flags.

One browser per run: :func:`browser_session` opens a persistent context on
``settings.profile_dir`` (created owner-only) and yields its page, every call of which runs
under the watchdog of :mod:`kenny_wa.browser.watchdog` (a browser that stops answering is
killed and the run ends ``page_timeout``); the context is closed when the block ends.
A failure to start is ProfileInUse or BrowserCrashed; every later Playwright failure that
escapes the block is translated by :mod:`kenny_wa.browser.boundary` (never page text).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kenny_wa import errors, logs
from kenny_wa.browser import boundary, watchdog
from kenny_wa.config import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Page, Playwright

log = logs.get_logger(__name__)

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SYSTEM_BROWSER_DIRS = ("/usr/bin", "/usr/local/bin", "/snap/bin")
FALLBACK_CHROME_MAJOR = 156  # only when the browser's version cannot be read
VERSION_PROBE_TIMEOUT_S = 15
LAUNCH_TIMEOUT_MS = 60_000
# Tall on purpose: the page renders about two viewports above and below the visible one, so at
# 2000 px one history scroll spans a whole 40-message chunk (~1.7 scrolls at 900 px), which also
# divides the rate-limited time. A portrait desktop window is an ordinary size for the page.
VIEWPORT = {"width": 1280, "height": 2000}
UA_TEMPLATE = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{major}.0.0.0 Safari/537.36"
)
CLOSED_NETWORK_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-blink-features=AutomationControlled",
)
PAIRED_MARKER = ".kenny-wa-paired"  # written once the chat list has been seen on this profile
_VERSION = re.compile(r"(\d+)\.\d+\.\d+(?:\.\d+)?")
_PROFILE_IN_USE = ("ProcessSingleton", "SingletonLock", "profile appears to be in use")


# --- pure helpers ----------------------------------------------------------------------


def find_chromium(
    explicit: Path | None,
    playwright_path: str | None,
    *,
    exists: Callable[[str], bool] = os.path.exists,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """The Chromium to run: the setting, then Playwright's own build, then the system's."""
    if explicit is not None:
        if exists(str(explicit)):
            return str(explicit)
        raise errors.ConfigError(
            "WHATSAPP_CHROMIUM_PATH", "the path of an existing Chromium executable", str(explicit)
        )
    if playwright_path and exists(playwright_path):
        return playwright_path
    for name in SYSTEM_BROWSERS:
        found = which(name)
        if found:
            return found
        for folder in SYSTEM_BROWSER_DIRS:
            candidate = f"{folder}/{name}"
            if exists(candidate):
                return candidate
    raise errors.ConfigError(
        "WHATSAPP_CHROMIUM_PATH",
        "the path of a Chromium executable (none found: run `playwright install chromium` "
        "or install the system chromium package)",
    )


def chrome_major(version_text: str) -> int | None:
    """The major version from ``chromium --version`` output or a user agent."""
    match = _VERSION.search(version_text or "")
    return int(match.group(1)) if match else None


def desktop_user_agent(major: int | None) -> str:
    """A current desktop Chrome user agent (never ``HeadlessChrome``)."""
    return UA_TEMPLATE.format(major=major or FALLBACK_CHROME_MAJOR)


def strip_headless(user_agent: str) -> str:
    """Replace the ``HeadlessChrome`` token WhatsApp Web rejects with ``Chrome``."""
    return user_agent.replace("HeadlessChrome", "Chrome")


def launch_args(user_agent: str | None, *, is_root: bool) -> list[str]:
    """Chromium flags: closed-network hygiene, the UA (the service worker reads the flag)."""
    args = list(CLOSED_NETWORK_FLAGS)
    if user_agent:
        args.append(f"--user-agent={user_agent}")
    if is_root:
        args.append("--no-sandbox")
    return args


def is_profile_in_use(message: str) -> bool:
    return any(marker in message for marker in _PROFILE_IN_USE)


# --- profile folder --------------------------------------------------------------------


def prepare_profile_dir(path: Path) -> None:
    """Create the profile folder (and missing parents) owner-only (0700); tighten it if it
    already exists. Folders that already exist above it are left as they are."""
    from kenny_wa import media

    media.ensure_private_dir(path)


def is_paired(profile_dir: Path) -> bool:
    return (profile_dir / PAIRED_MARKER).exists()


def mark_paired(profile_dir: Path) -> None:
    marker = profile_dir / PAIRED_MARKER
    if not marker.exists():
        marker.touch(mode=0o600)


def _browser_version(executable: str) -> str:
    try:
        done = subprocess.run(
            [executable, "--version"],
            capture_output=True,
            text=True,
            timeout=VERSION_PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


# --- the session -----------------------------------------------------------------------


@contextlib.contextmanager
def browser_session(
    settings: Settings,
    *,
    playwright: Playwright | None = None,
    spoof_user_agent: bool = True,
) -> Iterator[Page]:
    """Open Chromium on the persistent profile and yield its page; close it at the end.

    ``playwright`` lets a caller that already runs ``sync_playwright()`` share it (a nested
    ``sync_playwright()`` on one thread fails). ``spoof_user_agent=False`` keeps Chromium's
    own user agent (tests use it to provoke the unsupported-browser page).
    Raises ProfileInUse, BrowserCrashed, ConfigError (no Chromium found).
    """
    if playwright is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            with browser_session(settings, playwright=pw, spoof_user_agent=spoof_user_agent) as page:
                yield page
        return

    prepare_profile_dir(settings.profile_dir)
    executable = find_chromium(settings.chromium_path, playwright_chromium(playwright))
    user_agent = (
        desktop_user_agent(chrome_major(_browser_version(executable))) if spoof_user_agent else None
    )
    options: dict = {
        "executable_path": executable,
        "headless": settings.headless,
        "locale": settings.browser_locale,
        "timezone_id": settings.browser_timezone,
        "viewport": VIEWPORT,
        "accept_downloads": False,
        "args": launch_args(user_agent, is_root=_is_root()),
        "timeout": LAUNCH_TIMEOUT_MS,
    }
    if user_agent:
        options["user_agent"] = user_agent
    with boundary.translated(launch_failure):
        context = playwright.chromium.launch_persistent_context(str(settings.profile_dir), **options)
    log.info("browser_started", headless=settings.headless, ua_override=spoof_user_agent)
    dog = start_watchdog(settings.profile_dir)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        with boundary.translated():
            yield watchdog.WatchedPage(page, dog, settings.page_timeout_seconds)
    finally:
        if not dog.fired:  # a killed browser has nothing left to close
            with boundary.ignored(errors.PageTimeout):
                watchdog.WatchedPage(context, dog, settings.page_timeout_seconds).close()
        dog.close()


def launch_failure(exc: Exception) -> errors.KennyWaError:
    """Why Chromium did not start on the profile (the launch's Playwright failure)."""
    if is_profile_in_use(str(exc)):
        return errors.ProfileInUse()
    log.warning("browser_launch_failed", kind=type(exc).__name__)
    return errors.BrowserCrashed("Chromium could not be started on this profile.")


def start_watchdog(profile_dir: Path) -> watchdog.Watchdog:
    """The watchdog of this session: it kills this browser (found by its profile), then the
    Playwright driver if the blocked call still does not return."""
    pid = watchdog.browser_pid(profile_dir)
    if pid is None:
        log.warning("browser_process_not_found")  # the driver is then the first to go

    def kill_browser() -> None:
        if pid is None:
            watchdog.kill_all(watchdog.driver_pids())
        else:
            watchdog.kill_browser(pid)

    return watchdog.Watchdog(kill_browser, lambda: watchdog.kill_all(watchdog.driver_pids()))


def playwright_chromium(playwright: Playwright) -> str | None:
    """Where Playwright's own Chromium would be (it may not be installed)."""
    try:
        return playwright.chromium.executable_path
    except Exception:
        return None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
