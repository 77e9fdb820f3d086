"""Settings: one validated, immutable object built from the environment.

Every variable of the spec's Configuration section is here with the spec's default, plus
what running a browser needs. ``load_settings()`` builds it from ``os.environ`` (or a
mapping in tests) and raises ``ConfigError`` naming the variable and the expected form
at the first bad value. Nothing is read at import time.
"""

from __future__ import annotations

import dataclasses
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kenny_wa.errors import ConfigError, SendingRefused

T = TypeVar("T")

SELECTOR_PROFILES = ("auto", "p6", "p5", "p4")
LOG_FORMATS = ("auto", "json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
UNREAD_POLICIES = ("defer", "restore", "read")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2}|-\d{3})?$")
_PG_URL = re.compile(r"^postgres(ql)?://[^\s]*$")


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything kenny-wa can be told, with the spec's defaults."""

    lookback_days: int = 30
    interval_minutes: int = 10
    agent_contact: str | None = None
    agent_thread_name: str | None = None
    agent_keywords: tuple[str, ...] = ("Kenny,", "@Kenny")
    image_processing_enabled: bool = False
    extractor: str | None = None  # None: the built-in "ocr"
    worker_concurrency: int = 1
    ocr_timeout_seconds: int = 120
    attachments_dir: Path = dataclasses.field(default_factory=lambda: _default_dir("attachments_dir"))
    pg_url: str | None = None
    profile_dir: Path = dataclasses.field(default_factory=lambda: _default_dir("profile_dir"))
    web_url: str = "https://web.whatsapp.com"
    scroll_min_interval_ms: int = 750
    selector_profile: str = "auto"
    browser_locale: str = "en-US"
    browser_timezone: str = "UTC"
    chromium_path: Path | None = None
    headless: bool = True
    takeover_on_conflict: bool = False
    download_images: bool = True
    media_max_bytes: int = 16 * 1024 * 1024
    image_max_pixels: int = 40_000_000
    page_timeout_seconds: int = 90
    sync_timeout_minutes: int = 60
    history_stall_attempts: int = 4
    include_archived: bool = True
    unread_chats: str = "defer"  # defer | restore | read: see kenny_wa/unread.py
    unread_defer_hours: int = 24  # 0 = defer without limit
    revision_sweep_hours: int = 6  # 0: every run
    revision_window_hours: int = 60
    self_id: str = "me"
    state_dir: Path = dataclasses.field(default_factory=lambda: _default_dir("state_dir"))
    health_host: str = "127.0.0.1"
    health_port: int = 9109
    log_level: str = "INFO"
    log_format: str = "auto"

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.pg_url is None


def _default_dir(field: str, env: Mapping[str, str] | None = None) -> Path:
    from kenny_wa.paths import default_dirs  # /data in the container, else the XDG folders

    return default_dirs(env)[field]


def _int(minimum: int, unit: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if value < minimum:
            raise ValueError(raw)
        return value

    parse.expected = f"a whole number of {unit} >= {minimum}"  # type: ignore[attr-defined]
    return parse


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(raw)


_bool.expected = "true or false"  # type: ignore[attr-defined]


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in options:
            raise ValueError(raw)
        return value

    parse.expected = "one of " + ", ".join(options)  # type: ignore[attr-defined]
    return parse


def _path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError(raw)
    return Path(raw.strip()).expanduser()


_path.expected = "a filesystem path"  # type: ignore[attr-defined]


def _text(raw: str) -> str | None:
    return raw.strip() or None


_text.expected = "any text"  # type: ignore[attr-defined]


def _keywords(raw: str) -> tuple[str, ...]:
    words = tuple(w.strip() for w in raw.split("|") if w.strip())
    if not words:
        raise ValueError(raw)
    return words


_keywords.expected = "keywords separated by '|', e.g. 'Kenny,|@Kenny'"  # type: ignore[attr-defined]


def _pg_url(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _PG_URL.match(value):
        raise ValueError(raw)
    from psycopg.conninfo import conninfo_to_dict  # local: keeps config importable cheaply

    port = conninfo_to_dict(value).get("port")
    if port and not all(p.isdigit() and 0 < int(p) < 65536 for p in str(port).split(",")):
        raise ValueError(raw)  # psycopg accepts any port text; connecting would fail later
    return value


_pg_url.expected = (  # type: ignore[attr-defined]
    "a URL like postgresql://user:password@host:5432/dbname (unset for the embedded PostgreSQL)"
)


def _web_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(raw)
    return value


_web_url.expected = "an http(s) URL such as https://web.whatsapp.com"  # type: ignore[attr-defined]


def _locale(raw: str) -> str:
    value = raw.strip()
    if not _LOCALE.match(value):
        raise ValueError(raw)
    return value


_locale.expected = "a BCP 47 locale such as en-US, en-GB or pt-BR"  # type: ignore[attr-defined]


def _timezone(raw: str) -> str:
    value = raw.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(raw) from exc
    return value


_timezone.expected = "an IANA time zone such as UTC or Europe/Lisbon"  # type: ignore[attr-defined]


def _port(raw: str) -> int:
    value = int(raw.strip())
    if not 0 < value < 65536:
        raise ValueError(raw)
    return value


_port.expected = "a TCP port number between 1 and 65535"  # type: ignore[attr-defined]

def _extractor(raw: str) -> str | None:
    return raw.strip() or None


_extractor.expected = (  # type: ignore[attr-defined]
    "a registered extractor name (ocr, dimensions) or module:callable; unset means ocr"
)

# variable name -> (Settings field, parser, whether the raw value may be echoed in errors)
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any], bool]] = {
    "WHATSAPP_SYNC_LOOKBACK_DAYS": ("lookback_days", _int(1, "days"), True),
    "WHATSAPP_SYNC_INTERVAL_MINUTES": ("interval_minutes", _int(1, "minutes"), True),
    "WHATSAPP_AGENT_CONTACT": ("agent_contact", _text, False),
    "WHATSAPP_AGENT_THREAD_NAME": ("agent_thread_name", _text, False),
    "WHATSAPP_AGENT_KEYWORDS": ("agent_keywords", _keywords, True),
    "IMAGE_PROCESSING_ENABLED": ("image_processing_enabled", _bool, True),
    "KENNY_WA_EXTRACTOR": ("extractor", _extractor, True),
    "KENNY_WA_WORKER_CONCURRENCY": ("worker_concurrency", _int(1, "jobs at a time"), True),
    "KENNY_WA_OCR_TIMEOUT_SECONDS": ("ocr_timeout_seconds", _int(1, "seconds"), True),
    "ATTACHMENTS_DIR": ("attachments_dir", _path, True),
    "PG_URL": ("pg_url", _pg_url, False),
    "WHATSAPP_PROFILE_DIR": ("profile_dir", _path, True),
    "WHATSAPP_WEB_URL": ("web_url", _web_url, True),
    "WHATSAPP_SCROLL_MIN_INTERVAL_MS": ("scroll_min_interval_ms", _int(0, "milliseconds"), True),
    "WHATSAPP_SELECTOR_PROFILE": ("selector_profile", _choice(SELECTOR_PROFILES), True),
    "WHATSAPP_BROWSER_LOCALE": ("browser_locale", _locale, True),
    "WHATSAPP_BROWSER_TIMEZONE": ("browser_timezone", _timezone, True),
    "WHATSAPP_CHROMIUM_PATH": ("chromium_path", _path, True),
    "WHATSAPP_HEADLESS": ("headless", _bool, True),
    "WHATSAPP_TAKEOVER_ON_CONFLICT": ("takeover_on_conflict", _bool, True),
    "WHATSAPP_DOWNLOAD_IMAGES": ("download_images", _bool, True),
    "WHATSAPP_MEDIA_MAX_BYTES": ("media_max_bytes", _int(1, "bytes"), True),
    "IMAGE_MAX_PIXELS": ("image_max_pixels", _int(1, "pixels"), True),
    "WHATSAPP_PAGE_TIMEOUT_SECONDS": ("page_timeout_seconds", _int(1, "seconds"), True),
    "WHATSAPP_SYNC_TIMEOUT_MINUTES": ("sync_timeout_minutes", _int(1, "minutes"), True),
    "WHATSAPP_HISTORY_STALL_ATTEMPTS": ("history_stall_attempts", _int(1, "attempts"), True),
    "WHATSAPP_INCLUDE_ARCHIVED": ("include_archived", _bool, True),
    "WHATSAPP_UNREAD_CHATS": ("unread_chats", _choice(UNREAD_POLICIES), True),
    "WHATSAPP_UNREAD_DEFER_HOURS": ("unread_defer_hours", _int(0, "hours"), True),
    "WHATSAPP_REVISION_SWEEP_HOURS": ("revision_sweep_hours", _int(0, "hours (0: every run)"), True),
    "WHATSAPP_REVISION_WINDOW_HOURS": ("revision_window_hours", _int(1, "hours"), True),
    "WHATSAPP_SELF_ID": ("self_id", _text, False),
    "KENNY_WA_STATE_DIR": ("state_dir", _path, True),
    "KENNY_WA_HEALTH_HOST": ("health_host", _text, True),
    "KENNY_WA_HEALTH_PORT": ("health_port", _port, True),
    "KENNY_WA_LOG_LEVEL": ("log_level", _choice(LOG_LEVELS, upper=True), True),
    "KENNY_WA_LOG_FORMAT": ("log_format", _choice(LOG_FORMATS), True),
}


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from ``env`` (default ``os.environ``); raise ConfigError on a bad value."""
    env = os.environ if env is None else env
    sending = env.get("WHATSAPP_ENABLE_SENDING", "false")
    try:
        if _bool(sending):
            raise SendingRefused()
    except ValueError:
        raise ConfigError("WHATSAPP_ENABLE_SENDING", "false (kenny-wa never sends)", sending) from None
    values: dict[str, Any] = {}
    for variable, (field, parse, echo) in ENVIRONMENT.items():
        raw = env.get(variable)
        if raw is None:
            continue
        try:
            value = parse(raw)
        except (ValueError, TypeError, Exception) as exc:  # conninfo errors are psycopg types
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(variable, parse.expected, raw if echo else None) from None  # type: ignore[attr-defined]
        if value is not None or field in {"agent_contact", "agent_thread_name", "pg_url"}:
            values[field] = value
    for field in ("attachments_dir", "profile_dir", "state_dir"):
        if field not in values:
            values[field] = _default_dir(field, env)  # HOME/XDG_* of ``env``, not of the process
    values.update(overrides)
    return Settings(**values)


# Variables read outside Settings, where they are used
READ_ELSEWHERE: tuple[tuple[str, str, str], ...] = (
    ("KENNY_WA_PG_URL", "",
     "the Procrastinate app's database, for `procrastinate` commands run outside kenny-wa "
     "(unset: PG_URL, else the embedded PostgreSQL)"),
)


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, expected form) for every variable kenny-wa reads: the README's
    settings table and ``kenny-wa settings``."""
    defaults = Settings()
    rows = [("WHATSAPP_ENABLE_SENDING", "false", "false (true is refused: never sends)")]
    for variable, (field, parse, _echo) in ENVIRONMENT.items():
        default = getattr(defaults, field)
        if isinstance(default, tuple):
            default = "|".join(default)
        rows.append((variable, "" if default is None else str(default), parse.expected))  # type: ignore[attr-defined]
    rows.extend(READ_ELSEWHERE)
    return rows
