"""Connections, transactions, the driver-error boundary and the per-profile lock.

Every public store function runs under :func:`boundary`, which turns psycopg errors into
``errors.DatabaseUnavailable`` with a fixed message (the SQLSTATE at most). Driver messages can
quote row values or the connection target, so they are never chained into the error. Callers
outside the store open, commit and roll back through :func:`connect`, :func:`transaction`,
:func:`commit` and :func:`rollback`, so they only ever catch kenny-wa's errors.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeAlias, TypeVar

import psycopg
from psycopg.rows import dict_row

from kenny_wa import errors
from kenny_wa.config import Settings
from kenny_wa.store.queries import QUERIES

P = ParamSpec("P")
R = TypeVar("R")

CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "kenny-wa"

# What store functions take; callers name it as ``store.Connection`` and never import psycopg.
Connection: TypeAlias = psycopg.Connection[Any]


# libpq reports a server's refusal at connect time as text only (no SQLSTATE): these say
# what to do instead of "unreachable". The database or user name is never echoed.
_CONNECT_REFUSALS = (
    (re.compile(r'FATAL:\s+database ".*" does not exist'),
     "PostgreSQL answered, but the database named in PG_URL does not exist: create it "
     "(createdb) or fix PG_URL"),
    (re.compile(r'FATAL:\s+(password authentication failed|role ".*" does not exist)'),
     "PostgreSQL refused the login: check the user and password in PG_URL"),
)
# the schema kenny-wa expects is missing: the database was never migrated
_NOT_MIGRATED = {"42P01", "3F000"}


def translate(exc: psycopg.Error) -> errors.DatabaseUnavailable:
    """A content-free ``DatabaseUnavailable`` for a driver error (SQLSTATE kept as attribute)."""
    refusal = _connect_refusal(exc)
    if refusal:
        error = errors.DatabaseUnavailable(refusal)
    elif isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        error = errors.DatabaseUnavailable("PostgreSQL is unreachable")
    elif exc.sqlstate in _NOT_MIGRATED:
        error = errors.DatabaseUnavailable(
            f"the database is not migrated (SQLSTATE {exc.sqlstate}): run `kenny-wa migrate` first"
        )
    elif exc.sqlstate:
        error = errors.DatabaseUnavailable(f"PostgreSQL refused the operation (SQLSTATE {exc.sqlstate})")
    else:
        error = errors.DatabaseUnavailable()
    error.sqlstate = exc.sqlstate  # type: ignore[attr-defined]
    return error


def _connect_refusal(exc: psycopg.Error) -> str | None:
    if not isinstance(exc, psycopg.OperationalError) or exc.sqlstate is not None:
        return None
    text = str(exc)
    return next((message for pattern, message in _CONNECT_REFUSALS if pattern.search(text)), None)


def boundary(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: translate psycopg errors raised by ``func`` (see :func:`translate`)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except psycopg.Error as exc:
            raise translate(exc) from None

    return wrapper


def url_of(settings_or_url: Settings | str) -> str:
    """The PostgreSQL URL to use: the string itself, or resolved from Settings."""
    if isinstance(settings_or_url, str):
        return settings_or_url
    from kenny_wa.store import embedded  # local: pgserver is only needed without PG_URL

    return embedded.resolve_pg_url(settings_or_url)


def cursor(conn: psycopg.Connection) -> psycopg.Cursor[dict]:
    """A dict-row cursor on ``conn``, whatever the connection's own row factory."""
    return conn.cursor(row_factory=dict_row)


@boundary
def connect(
    settings_or_url: Settings | str,
    *,
    autocommit: bool = False,
    timeout_seconds: int | None = None,
    application_name: str = APPLICATION_NAME,
) -> Connection:
    """Open a connection (dict rows) to kenny-wa's database.

    ``timeout_seconds`` bounds both the connect and every statement (readiness probes);
    without it the connect waits :data:`CONNECT_TIMEOUT_SECONDS` and statements are unbounded.
    Raises ``errors.DatabaseUnavailable`` with a fixed message when the server cannot be
    reached; the message never contains the URL or a password.
    """
    options: dict[str, str] = {}
    if timeout_seconds is not None:
        options["options"] = f"-c statement_timeout={timeout_seconds * 1000}"
    return psycopg.connect(
        url_of(settings_or_url),
        autocommit=autocommit,
        row_factory=dict_row,
        connect_timeout=CONNECT_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds,
        application_name=application_name,
        **options,
    )


@contextlib.contextmanager
def transaction(conn: Connection, *, rollback: bool = False) -> Iterator[None]:
    """One transaction on ``conn`` (a savepoint when one is already open: the caller's commit
    decides), committed when the block ends and rolled back when it raises.

    With ``rollback`` the block's changes are undone even when it succeeds (a dry run). Driver
    errors, from the block or from the commit, become ``errors.DatabaseUnavailable``; any other
    exception passes through unchanged after the rollback.
    """
    try:
        with conn.transaction() as tx:
            yield
            if rollback:
                raise psycopg.Rollback(tx)
    except psycopg.Error as exc:
        raise translate(exc) from None


@boundary
def commit(conn: Connection) -> None:
    """Commit ``conn``'s open transaction."""
    conn.commit()


@boundary
def rollback(conn: Connection) -> None:
    """Roll back ``conn``'s open transaction (it may fail when the connection is the casualty)."""
    conn.rollback()


@boundary
def ping(conn: psycopg.Connection) -> bool:
    """True when the server answers a trivial query (readiness for /health)."""
    return cursor(conn).execute(QUERIES["ping"]).fetchone() is not None


@boundary
def try_profile_lock(conn: psycopg.Connection, profile_key: str) -> bool:
    """Try to take the session-level advisory lock of one profile; never waits.

    The lock lives as long as ``conn``'s session (or until :func:`release_profile_lock`), so
    ``conn`` must be a dedicated connection held for the whole sync.
    """
    row = cursor(conn).execute(QUERIES["profile_try_lock"], {"key": profile_key}).fetchone()
    return bool(row and row["locked"])


@boundary
def release_profile_lock(conn: psycopg.Connection, profile_key: str) -> bool:
    """Release the profile lock taken by :func:`try_profile_lock` on the same connection."""
    row = cursor(conn).execute(QUERIES["profile_unlock"], {"key": profile_key}).fetchone()
    return bool(row and row["unlocked"])


@contextlib.contextmanager
def profile_lock(settings_or_url: Settings | str, profile_key: str) -> Iterator[None]:
    """Hold the profile's lock on a dedicated connection for the duration of the block.

    Raises ``errors.ProfileInUse`` when another process (any host using the same database)
    holds it. The lock is released when the block ends or the connection dies.
    """
    conn = connect(settings_or_url, autocommit=True)
    try:
        if not try_profile_lock(conn, profile_key):
            raise errors.ProfileInUse()
        try:
            yield
        finally:
            with contextlib.suppress(errors.DatabaseUnavailable):
                release_profile_lock(conn, profile_key)
    finally:
        conn.close()
