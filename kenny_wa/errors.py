"""The closed set of failures kenny-wa reports.

Every error carries a fixed, content-free message (the class docstring by default), a
``status`` string used by ``sync --json``, ``/health`` and the run records, and the
process exit code the CLI returns. Nothing from a page or a message is ever put into
an error's text.
"""

from __future__ import annotations

from typing import Any


class KennyWaError(Exception):
    """kenny-wa failed."""

    status = "error"
    exit_code = 1

    def __init_subclass__(
        cls, *, status: str | None = None, exit_code: int | None = None, **kw: Any
    ) -> None:
        """A kind names its own: ``class X(KennyWaError, status=..., exit_code=...)``; what it
        leaves out it inherits."""
        super().__init_subclass__(**kw)
        if status is not None:
            cls.status = status
        if exit_code is not None:
            cls.exit_code = exit_code

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class ConfigError(KennyWaError, status="config_error", exit_code=2):
    """A setting is invalid."""

    def __init__(self, variable: str, expected: str, shown: str | None = None) -> None:
        self.variable = variable
        self.expected = expected
        got = f"={shown!r}" if shown is not None else ""
        super().__init__(f"{variable}{got} is invalid: expected {expected}")


class SendingRefused(ConfigError):
    """kenny-wa is read-only and never sends."""

    def __init__(self) -> None:
        KennyWaError.__init__(
            self,
            "WHATSAPP_ENABLE_SENDING=true is refused: kenny-wa is read-only and never sends "
            "(expected false or unset)",
        )
        self.variable = "WHATSAPP_ENABLE_SENDING"
        self.expected = "false"


class UnusablePath(ConfigError):
    """A configured folder cannot be used."""

    def __init__(self, variable: str, path: object, problem: str) -> None:
        KennyWaError.__init__(self, f"{variable}={path} is unusable: {problem}")
        self.variable = variable
        self.expected = "a folder this user can write to, with free space"


class PartialSync(KennyWaError, status="partial", exit_code=3):
    """Some chats could not be read back to the lookback cutoff."""


class SessionExpired(KennyWaError, status="expired", exit_code=4):
    """The WhatsApp session is not logged in: pair again with `kenny-wa login`."""


class QrRequired(SessionExpired, status="qr_required"):
    """This profile was never paired: run `kenny-wa login` and scan the QR code."""


class Conflict(KennyWaError, status="conflict", exit_code=5):
    """WhatsApp is open in another window; set WHATSAPP_TAKEOVER_ON_CONFLICT=true to take over."""


class UiDrift(KennyWaError, status="ui_drift", exit_code=6):
    """The WhatsApp Web page does not match any known selector profile (UI drift)."""


class ProfileInUse(KennyWaError, status="profile_in_use", exit_code=7):
    """Another kenny-wa process is using this WhatsApp profile."""


class DatabaseUnavailable(KennyWaError, status="db_unavailable", exit_code=8):
    """PostgreSQL is unreachable or refused the operation."""


class RateLimited(KennyWaError, status="rate_limited", exit_code=9):
    """WhatsApp Web answered HTTP 429 (too many requests); backing off."""


class UnsupportedBrowser(KennyWaError, status="unsupported_browser", exit_code=10):
    """WhatsApp Web rejected the browser (user agent); check the Chromium settings."""


class BrowserCrashed(KennyWaError, status="browser_crashed", exit_code=11):
    """Chromium crashed or the page closed during the sync."""


class PageUnreachable(KennyWaError, status="page_unreachable", exit_code=15):
    """WhatsApp Web could not be reached (network or WHATSAPP_WEB_URL)."""

    def __init__(self, host: str | None = None, net_error: str | None = None) -> None:
        if host is None:
            super().__init__()
            return
        why = f" ({net_error})" if net_error else ""
        super().__init__(
            f"WhatsApp Web is unreachable at {host}{why}: check this machine's network, "
            "or WHATSAPP_WEB_URL"
        )


class PageTimeout(KennyWaError, status="page_timeout", exit_code=13):
    """A WhatsApp Web page operation timed out (a slow machine or network; retried)."""


class PageReloaded(KennyWaError, status="page_reloaded", exit_code=14):
    """WhatsApp Web reloaded itself during the sync while still logged in (retried)."""


class LoginTimeout(KennyWaError, status="login_timeout", exit_code=12):
    """The chat list did not appear before the login timeout."""
