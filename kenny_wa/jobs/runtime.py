"""What the app and its jobs run against: the database URL and the settings, resolved when used.

Nothing is read at import. ``use_database(url, settings)`` (what ``run_worker`` does) wins, then
``$KENNY_WA_PG_URL``, then ``PG_URL`` / the embedded PostgreSQL through
``kenny_wa.store.resolve_pg_url(settings)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from kenny_wa import store
from kenny_wa.config import Settings, load_settings

_url_override: str | None = None
_settings_override: Settings | None = None


def database_url() -> str:
    """The database the app talks to, resolved now (the app's connection pools call it)."""
    if _url_override:
        return _url_override
    settings = load_settings()
    return settings.procrastinate_pg_url or store.resolve_pg_url(settings)


def runtime_settings() -> Settings:
    """The settings a job runs with: ``use_database(settings=…)``'s, else the environment's.

    Read when each job runs, never at import.
    """
    return _settings_override if _settings_override is not None else load_settings()


@contextlib.contextmanager
def use_database(url: str, settings: Settings | None = None) -> Iterator[None]:
    """Make the app and its tasks use ``url`` (and ``settings``, if given) inside this block."""
    global _url_override, _settings_override
    previous = _url_override, _settings_override
    _url_override, _settings_override = url, settings
    try:
        yield
    finally:
        _url_override, _settings_override = previous
