"""Throwaway PostgreSQL databases for the benchmarks (created and dropped by the run).

The server is ``$KENNY_BENCH_PG_URL``, else ``$PG_URL``, else ``postgresql://postgres@127.0.0.1:5432/postgres``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    for variable in ("KENNY_BENCH_PG_URL", "PG_URL"):
        url = os.environ.get(variable, "").strip()
        if url:
            return url_for(url, "postgres")
    return DEFAULT_SERVER


def url_for(server: str, database: str) -> str:
    """A ``postgresql://`` URL (PG_URL accepts only URLs) for ``database`` on ``server``."""
    from urllib.parse import quote

    p = conninfo_to_dict(server)
    auth = quote(p.get("user") or "postgres")
    if p.get("password"):
        auth += ":" + quote(p["password"])
    return f"postgresql://{auth}@{p.get('host') or '127.0.0.1'}:{p.get('port') or 5432}/{database}"


def server_version(server: str | None = None) -> str:
    with psycopg.connect(server or server_url(), autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


@contextlib.contextmanager
def throwaway_database(prefix: str = "kwa_bench", *, migrate: bool = True) -> Iterator[str]:
    """Yield the URL of a fresh (migrated) database; drop it afterwards."""
    server = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = url_for(server, name)
    try:
        if migrate:
            from kenny_wa import store

            with psycopg.connect(url, autocommit=True) as conn:
                store.migrate(conn)
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
