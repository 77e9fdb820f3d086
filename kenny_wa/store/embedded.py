"""The embedded PostgreSQL used when PG_URL is unset.

``pgserver`` ships PostgreSQL binaries; its server listens on a unix socket only and keeps
running after this process exits (``cleanup_mode=None``), so every later command (the CLI, the
Procrastinate worker, a Prefect flow subprocess) reuses the same server through the same URL.
The data lives in ``<KENNY_WA_STATE_DIR>/postgres``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

from kenny_wa import errors
from kenny_wa.config import Settings
from kenny_wa.store.queries import QUERIES

DATABASE = "kenny"


def data_dir(settings: Settings) -> Path:
    """Where the embedded server keeps its data."""
    return settings.state_dir / "postgres"


def resolve_pg_url(settings: Settings) -> str:
    """``settings.pg_url`` when set; otherwise start (or reuse) the embedded server and return
    the URL of its ``kenny`` database, creating the database on first use.

    Raises ``errors.DatabaseUnavailable`` (fixed message) when the server cannot start.
    """
    if settings.pg_url is not None:
        return settings.pg_url
    return start(data_dir(settings))


def start(pgdata: Path, database: str = DATABASE) -> str:
    """Start or reuse the pgserver instance for ``pgdata``; return the URL of ``database``."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # local: heavy import, only needed without PG_URL

    pgdata.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not pgdata.exists():
        pgdata.mkdir(mode=0o700)
    os.chmod(pgdata, 0o700)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        admin_url = server.get_uri()
        _ensure_database(admin_url, database)
        return server.get_uri(database)
    except errors.KennyWaError:
        raise
    except Exception as exc:  # pgserver raises CalledProcessError, AssertionError, OSError...
        raise errors.DatabaseUnavailable("The embedded PostgreSQL could not be started") from (
            None if isinstance(exc, psycopg.Error) else exc
        )


def stop(pgdata: Path) -> None:
    """Stop the embedded server for ``pgdata`` if it runs (used by tests and `kenny-wa`)."""
    from pgserver import _commands, postgres_server

    info = postgres_server.PostmasterInfo.read_from_pgdata(pgdata.expanduser().resolve())
    if info is None or not info.is_running():
        return
    instance = postgres_server.PostgresServer._instances.get(pgdata.expanduser().resolve())
    user = instance.system_user if instance is not None else _system_user()
    _commands.pg_ctl(["-w", "stop"], pgdata=pgdata.expanduser().resolve(), user=user)


def _system_user() -> str | None:
    return "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def _ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(QUERIES["database_exists"], {"name": database}).fetchone()
        if row and row[0]:
            return
        try:
            conn.execute(sql.SQL(QUERIES["create_database"]).format(name=sql.Identifier(database)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another process created it between the check and the CREATE
