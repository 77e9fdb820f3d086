"""The one place where Playwright's errors become kenny-wa's (every page call goes through here).

The browser modules call the page through these functions, or inside :func:`translated`, so
what reaches the scrape layer is always a fixed-message error of :mod:`kenny_wa.errors`,
never a raw Playwright error (:func:`translate`):

- a Playwright timeout → ``PageTimeout``: slow, not changed (a page that no longer matches is
  recognised as drift elsewhere);
- an error raised because the page navigated during the call (a reload, a logout) →
  ``PageReloaded``: callers check where it landed;
- anything else (the page or browser closed, a script threw) → ``BrowserCrashed``.

Where a timeout is an expected outcome (a menu that may not open, rows that may not change),
the wait says so in its name: :func:`wait_or_none` returns None and :func:`waited` False.
The watchdog's ``PageTimeout`` (a browser that stopped answering, see
:mod:`kenny_wa.browser.watchdog`) is no Playwright error, so nothing here swallows it.
Playwright is imported on first use only.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from kenny_wa import errors

if TYPE_CHECKING:
    from playwright.sync_api import JSHandle, Page

Translation = Callable[[Exception], errors.KennyWaError]

_NET_ERROR = re.compile(r"\bnet::(ERR_[A-Z_]+)")


# --- what a Playwright failure means (pure) ----------------------------------------------


def translate(exc: Exception) -> errors.KennyWaError:
    """A Playwright failure of a page call, as a fixed-message error (see the module docstring)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if isinstance(exc, PlaywrightTimeout):
        return errors.PageTimeout()
    if is_navigation(exc):
        return errors.PageReloaded()
    return errors.BrowserCrashed()


def is_navigation(exc: Exception) -> bool:
    """A Playwright error raised because the page navigated during the call."""
    text = str(exc)
    return "Execution context was destroyed" in text or "navigation" in text.lower()


def navigation_failure(exc: Exception, url: str) -> errors.KennyWaError:
    """Why opening ``url`` failed: a network error names the host and Chromium's code only."""
    found = _NET_ERROR.search(str(exc))
    if found and found.group(1) != "ERR_ABORTED":  # ERR_ABORTED: the page navigated away itself
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "?"
        if parts.port:
            host = f"{host}:{parts.port}"
        return errors.PageUnreachable(host, f"net::{found.group(1)}")
    return errors.BrowserCrashed("WhatsApp Web could not be loaded.")


# --- the boundary ------------------------------------------------------------------------


@contextlib.contextmanager
def translated(into: Translation = translate) -> Iterator[None]:
    """Page calls made in the block raise kenny-wa's errors: a Playwright failure becomes
    ``into(exc)`` (:func:`translate` unless the step knows better, e.g. a launch)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        yield
    except PlaywrightError as exc:
        raise into(exc) from None


@contextlib.contextmanager
def ignored(*also: type[BaseException]) -> Iterator[None]:
    """Best-effort page calls (diagnostics, closing): a Playwright failure in the block, or one
    of ``also``, is dropped."""
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError, *also):
        yield


def evaluate(page: Page, script: str, arg: Any = None) -> Any:
    """``page.evaluate(script, arg)``."""
    with translated():
        return page.evaluate(script, arg)  # positional: the watchdog reads arg["timeoutMs"]


def click(page: Page, point: dict[str, float], *, button: str = "left") -> None:
    """A mouse click at ``point`` ({"x", "y"} in the viewport)."""
    with translated():
        page.mouse.click(point["x"], point["y"], button=button)  # type: ignore[arg-type]


def open_url(page: Page, url: str, *, timeout_ms: float) -> None:
    """Navigate to ``url`` until its DOM is loaded; PageUnreachable for a network error, else
    BrowserCrashed (:func:`navigation_failure`)."""
    with translated(lambda exc: navigation_failure(exc, url)):
        page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)


def waited(
    page: Page, predicate: str, arg: Any, *, timeout_ms: float, polling: float | None = None
) -> bool:
    """Wait until ``predicate`` (a JS function of ``arg``) holds in the page: True, or False
    when it did not within ``timeout_ms`` (an expected outcome, not an error)."""
    return _wait_for(page, predicate, arg, timeout_ms, polling) is not None


def wait_or_none(
    page: Page, predicate: str, arg: Any, *, timeout_ms: float, polling: float | None = None
) -> Any:
    """The value of ``predicate`` once it is truthy in the page (as JSON), or None when it was
    not within ``timeout_ms`` (an expected outcome, not an error)."""
    handle = _wait_for(page, predicate, arg, timeout_ms, polling)
    if handle is None:
        return None
    with translated():
        return handle.json_value()


def _wait_for(
    page: Page, predicate: str, arg: Any, timeout_ms: float, polling: float | None
) -> JSHandle | None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    options: dict[str, Any] = {"arg": arg, "timeout": timeout_ms}
    if polling is not None:
        options["polling"] = polling
    with translated():
        try:
            return page.wait_for_function(predicate, **options)
        except PlaywrightTimeout:
            return None
