"""Settings: one validated, immutable pydantic-settings model built from the environment.

Every variable kenny-wa reads is a field of :class:`Settings`, named by its alias, with the
spec's default and, as its description, the form it expects. ``load_settings()`` reads them
from ``os.environ`` (or a mapping in tests) and raises ``ConfigError`` naming the first bad
variable and the expected form (the value too, unless it may be a secret). ``Settings(...)``
built in code reads no environment. Nothing is read at import time.

Values from the environment are parsed by kenny-wa's own functions rather than by pydantic's
lax coercion, which accepts other spellings (``t`` for true, ``5.0`` for 5) and refuses some
that kenny-wa always took (an empty boolean is false, ``~`` in a path is the home folder).
"""

from __future__ import annotations

import contextvars
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kenny_wa.errors import ConfigError, SendingRefused

SELECTOR_PROFILES = ("auto", "p6", "p5", "p4")
LOG_FORMATS = ("auto", "json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
UNREAD_POLICIES = ("defer", "restore", "read")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2}|-\d{3})?$")
_PG_URL = re.compile(r"^postgres(ql)?://[^\s]*$")

# The variables load_settings() is reading from; None while Settings(...) is built in code.
_ENVIRON: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar("environ", default=None)


# ---------------------------------------------------------------------------------------
# Parsers of a variable's text


def _from_text(parse: Callable[[str], Any]) -> BeforeValidator:
    """Parse text with ``parse``; any failure of it is a bad value. Non-text values (given in
    code) are left to the field's type."""

    def validate(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse(value)
        except PydanticUseDefault:
            raise
        except Exception as exc:  # int(), zoneinfo, psycopg's conninfo parser, ~user lookups...
            raise ValueError("invalid") from exc

    return BeforeValidator(validate)


def _whole(raw: str) -> int:
    return int(raw.strip())  # also "+5", "1_000" and non-ASCII digits, as int() always took


def _flag(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered not in _TRUE | _FALSE:
        raise ValueError(raw)
    return lowered in _TRUE


def _text(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise PydanticUseDefault()  # blank means unset
    return value


def _path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError(raw)
    return Path(raw.strip()).expanduser()


def _keywords(raw: str) -> tuple[str, ...]:
    words = tuple(w.strip() for w in raw.split("|") if w.strip())
    if not words:
        raise ValueError(raw)
    return words


def _pg_url(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _PG_URL.match(value):
        raise ValueError("not a postgresql:// URL")
    from kenny_wa.store.urls import check_pg_url  # lazily: the settings never import psycopg

    check_pg_url(value)
    return value


def _web_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(raw)
    return value


def _locale(raw: str) -> str:
    value = raw.strip()
    if not _LOCALE.match(value):
        raise ValueError(raw)
    return value


def _timezone(raw: str) -> str:
    value = raw.strip()
    zoneinfo.ZoneInfo(value)
    return value


def _one_of(options: tuple[str, ...], *, upper: bool = False) -> BeforeValidator:
    def parse(raw: str) -> str:
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in options:
            raise ValueError(raw)
        return value

    return _from_text(parse)


def _no_sending(value: Any) -> str:
    """WHATSAPP_ENABLE_SENDING is false or unset. Its errors are raised as they are: pydantic
    passes any exception but ValueError through, so they stop validation before any other
    variable is looked at."""
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        raise SendingRefused()
    if lowered not in _FALSE:
        raise ConfigError("WHATSAPP_ENABLE_SENDING", "false (kenny-wa never sends)", value)
    return "false"


Whole = Annotated[int, _from_text(_whole)]
Flag = Annotated[bool, _from_text(_flag)]
Text = Annotated[str, _from_text(_text)]
OptionalText = Annotated[str | None, _from_text(_text)]
FsPath = Annotated[Path, _from_text(_path)]


def _var(variable: str, default: Any, expected: str, *, secret: bool = False, **limits: Any) -> Any:
    """A field read from ``variable``. ``expected`` is the form errors and ``kenny-wa settings``
    name; a ``secret`` field's value is never repeated in an error."""
    extra = {"secret": secret}
    return Field(default, alias=variable, description=expected, json_schema_extra=extra, **limits)


def _count(variable: str, default: int, unit: str, minimum: int = 1) -> Any:
    return _var(variable, default, f"a whole number of {unit} >= {minimum}", ge=minimum)


def _choice(variable: str, default: str, options: tuple[str, ...]) -> Any:
    return _var(variable, default, "one of " + ", ".join(options))


def _default_dir(field: str) -> Any:
    """The folder's field default: /data in the container, else the XDG folders of HOME and
    XDG_* in the variables being read (the process's outside load_settings())."""

    def default() -> Path:
        from kenny_wa.paths import default_dirs

        return default_dirs(_ENVIRON.get())[field]

    return default


_PATH = "a filesystem path"
_ANY_TEXT = "any text"


class Settings(BaseSettings):
    """Everything kenny-wa can be told, with the spec's defaults."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,  # the variables' names exactly as written here, no prefix
        enable_decoding=False,  # no value is JSON: each field parses its own text
        validate_by_name=True,  # code builds Settings(field=...)
    )

    # the only value it can have: kenny-wa never sends
    enable_sending: Annotated[Literal["false"], BeforeValidator(_no_sending)] = _var(
        "WHATSAPP_ENABLE_SENDING", "false", "false (true is refused: never sends)"
    )
    lookback_days: Whole = _count("WHATSAPP_SYNC_LOOKBACK_DAYS", 30, "days")
    interval_minutes: Whole = _count("WHATSAPP_SYNC_INTERVAL_MINUTES", 10, "minutes")
    agent_contact: OptionalText = _var("WHATSAPP_AGENT_CONTACT", None, _ANY_TEXT, secret=True)
    agent_thread_name: OptionalText = _var("WHATSAPP_AGENT_THREAD_NAME", None, _ANY_TEXT, secret=True)
    agent_keywords: Annotated[tuple[str, ...], _from_text(_keywords)] = _var(
        "WHATSAPP_AGENT_KEYWORDS", ("Kenny,", "@Kenny"), "keywords separated by '|', e.g. 'Kenny,|@Kenny'"
    )
    image_processing_enabled: Flag = _var("IMAGE_PROCESSING_ENABLED", False, "true or false")
    extractor: OptionalText = _var(  # None: the built-in "ocr"
        "KENNY_WA_EXTRACTOR", None,
        "a registered extractor name (ocr, dimensions) or module:callable; unset means ocr",
    )
    worker_concurrency: Whole = _count("KENNY_WA_WORKER_CONCURRENCY", 1, "jobs at a time")
    ocr_timeout_seconds: Whole = _count("KENNY_WA_OCR_TIMEOUT_SECONDS", 120, "seconds")
    attachments_dir: FsPath = Field(
        default_factory=_default_dir("attachments_dir"), alias="ATTACHMENTS_DIR", description=_PATH
    )
    pg_url: Annotated[str | None, _from_text(_pg_url)] = _var(
        "PG_URL", None,
        "a URL like postgresql://user:password@host:5432/dbname (unset for the embedded PostgreSQL)",
        secret=True,
    )
    profile_dir: FsPath = Field(
        default_factory=_default_dir("profile_dir"), alias="WHATSAPP_PROFILE_DIR", description=_PATH
    )
    web_url: Annotated[str, _from_text(_web_url)] = _var(
        "WHATSAPP_WEB_URL", "https://web.whatsapp.com", "an http(s) URL such as https://web.whatsapp.com"
    )
    scroll_min_interval_ms: Whole = _count("WHATSAPP_SCROLL_MIN_INTERVAL_MS", 750, "milliseconds", 0)
    selector_profile: Annotated[str, _one_of(SELECTOR_PROFILES)] = _choice(
        "WHATSAPP_SELECTOR_PROFILE", "auto", SELECTOR_PROFILES
    )
    browser_locale: Annotated[str, _from_text(_locale)] = _var(
        "WHATSAPP_BROWSER_LOCALE", "en-US", "a BCP 47 locale such as en-US, en-GB or pt-BR"
    )
    browser_timezone: Annotated[str, _from_text(_timezone)] = _var(
        "WHATSAPP_BROWSER_TIMEZONE", "UTC", "an IANA time zone such as UTC or Europe/Lisbon"
    )
    chromium_path: Annotated[Path | None, _from_text(_path)] = _var("WHATSAPP_CHROMIUM_PATH", None, _PATH)
    headless: Flag = _var("WHATSAPP_HEADLESS", True, "true or false")
    takeover_on_conflict: Flag = _var("WHATSAPP_TAKEOVER_ON_CONFLICT", False, "true or false")
    download_images: Flag = _var("WHATSAPP_DOWNLOAD_IMAGES", True, "true or false")
    media_max_bytes: Whole = _count("WHATSAPP_MEDIA_MAX_BYTES", 16 * 1024 * 1024, "bytes")
    image_max_pixels: Whole = _count("IMAGE_MAX_PIXELS", 40_000_000, "pixels")
    page_timeout_seconds: Whole = _count("WHATSAPP_PAGE_TIMEOUT_SECONDS", 90, "seconds")
    sync_timeout_minutes: Whole = _count("WHATSAPP_SYNC_TIMEOUT_MINUTES", 60, "minutes")
    history_stall_attempts: Whole = _count("WHATSAPP_HISTORY_STALL_ATTEMPTS", 4, "attempts")
    include_archived: Flag = _var("WHATSAPP_INCLUDE_ARCHIVED", True, "true or false")
    # defer | restore | read: see kenny_wa/unread.py
    unread_chats: Annotated[str, _one_of(UNREAD_POLICIES)] = _choice(
        "WHATSAPP_UNREAD_CHATS", "defer", UNREAD_POLICIES
    )
    unread_defer_hours: Whole = _count("WHATSAPP_UNREAD_DEFER_HOURS", 24, "hours", 0)  # 0: no limit
    revision_sweep_hours: Whole = _count("WHATSAPP_REVISION_SWEEP_HOURS", 6, "hours (0: every run)", 0)
    revision_window_hours: Whole = _count("WHATSAPP_REVISION_WINDOW_HOURS", 60, "hours")
    self_id: Text = _var("WHATSAPP_SELF_ID", "me", _ANY_TEXT, secret=True)
    state_dir: FsPath = Field(
        default_factory=_default_dir("state_dir"), alias="KENNY_WA_STATE_DIR", description=_PATH
    )
    health_host: Text = _var("KENNY_WA_HEALTH_HOST", "127.0.0.1", _ANY_TEXT)
    health_port: Whole = _var(
        "KENNY_WA_HEALTH_PORT", 9109, "a TCP port number between 1 and 65535", gt=0, lt=65536
    )
    log_level: Annotated[str, _one_of(LOG_LEVELS, upper=True)] = _choice(
        "KENNY_WA_LOG_LEVEL", "INFO", LOG_LEVELS
    )
    log_format: Annotated[str, _one_of(LOG_FORMATS)] = _choice("KENNY_WA_LOG_FORMAT", "auto", LOG_FORMATS)
    procrastinate_pg_url: OptionalText = _var(
        "KENNY_WA_PG_URL", None,
        "the Procrastinate app's database, for `procrastinate` commands run outside kenny-wa "
        "(unset: PG_URL, else the embedded PostgreSQL)",
        secret=True,
    )

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.pg_url is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Values given in code, then (inside load_settings() only) the variables it reads."""
        environ = _ENVIRON.get()
        if environ is None:
            return (init_settings,)
        return init_settings, _Variables(settings_cls, environ)


class _Variables(PydanticBaseSettingsSource):
    """Each field's variable, by its exact name, from a mapping (``os.environ`` or a test's)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.environ.get(field.alias or field_name), field.alias or field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for name, field in self.settings_cls.model_fields.items():
            value, variable, _ = self.get_field_value(field, name)
            if value is not None:
                found[variable] = value
        return found


# variable -> the Settings attribute it sets, for every variable kenny-wa reads
ENVIRONMENT: dict[str, str] = {field.alias or name: name for name, field in Settings.model_fields.items()}


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from ``env`` (default ``os.environ``), ``overrides`` winning; raise
    ConfigError on a bad value."""
    env = os.environ if env is None else env
    token = _ENVIRON.set(env)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = _config_error(exc, env)
        if error is None:
            raise  # no variable's value but the calling code's mistake, e.g. an unknown override
        raise error from None
    finally:
        _ENVIRON.reset(token)


def _config_error(exc: ValidationError, env: Mapping[str, str]) -> ConfigError | None:
    """kenny-wa's one-line error for the first field pydantic refused (fields are validated in
    the order above): the variable, its expected form and, unless secret, the value as given."""
    loc = exc.errors()[0]["loc"]
    field = next((f for name, f in Settings.model_fields.items() if loc and loc[0] in (name, f.alias)), None)
    if field is None or field.alias is None:
        return None
    variable = field.alias
    secret = isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret")
    return ConfigError(variable, field.description or "", None if secret else env.get(variable))


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, expected form) for every variable kenny-wa reads: the README's
    settings table and ``kenny-wa settings``."""
    defaults = Settings()
    rows = []
    for name, field in Settings.model_fields.items():
        default = getattr(defaults, name)
        if isinstance(default, tuple):
            default = "|".join(default)
        rows.append((field.alias or name, "" if default is None else str(default), field.description or ""))
    return rows
