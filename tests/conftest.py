"""Shared database fixtures: one migrated template database per session, cloned per test.

The server is ``$KENNY_TEST_PG_URL``, else ``$KENNY_WA_TEST_PG``, else ``$PG_URL``, else an
embedded PostgreSQL (pgserver) in a temporary directory, stopped at the end of the session.
Every database the fixtures create has a random name, so concurrent pytest runs against one
server do not collide; each is dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from kenny_wa import store

URL_VARIABLES = ("KENNY_TEST_PG_URL", "KENNY_WA_TEST_PG", "PG_URL")


def url_for(server_url: str, database: str) -> str:
    """``server_url`` pointing at another database of the same server.

    A URL stays a URL (``PG_URL`` only accepts the URL form); other conninfo stays conninfo.
    """
    if server_url.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(server_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + database))
    return make_conninfo(**{**conninfo_to_dict(server_url), "dbname": database})


def create_database(server_url: str, prefix: str, template: str | None = None) -> str:
    """Create a randomly named database (optionally from ``template``); return its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(statement)
    return name


def drop_database(server_url: str, name: str) -> None:
    """Drop a database made by :func:`create_database`, disconnecting its sessions."""
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """An admin URL (database ``postgres``) of the test server."""
    for variable in URL_VARIABLES:
        url = os.environ.get(variable, "").strip()
        if url:
            try:
                psycopg.connect(url, connect_timeout=5).close()
            except psycopg.OperationalError:
                pytest.skip(f"no PostgreSQL at ${variable}")
            yield url_for(url, "postgres")
            return
    from kenny_wa.store import embedded

    # Not under pytest's basetemp: /tmp/pytest-of-<user> is 0700, which locks out the
    # server's own user when running as root (pgserver runs PostgreSQL as a separate user
    # then, and kenny-wa refuses to let it open a closed folder: kenny_wa/store/embedded.py).
    root = Path(tempfile.mkdtemp(prefix="kenny-wa-test-pg-"))
    root.chmod(0o755)  # this throwaway folder only holds the 0700 data folder
    pgdata = root / "postgres"
    try:
        yield embedded.start(pgdata, database="postgres")
    finally:
        embedded.stop(pgdata)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str) -> Iterator[str]:
    """The name of a database migrated once per session (kenny-wa + Procrastinate schema)."""
    name = create_database(pg_server_url, "kwa_tpl")
    try:
        with psycopg.connect(url_for(pg_server_url, name), autocommit=True) as conn:
            store.migrate(conn)
        yield name
    finally:
        drop_database(pg_server_url, name)


@pytest.fixture
def db_url(pg_server_url: str, pg_template: str) -> Iterator[str]:
    """URL of a fresh, migrated database cloned from the template; dropped after the test."""
    name = create_database(pg_server_url, "kwa_test", template=pg_template)
    try:
        yield url_for(pg_server_url, name)
    finally:
        drop_database(pg_server_url, name)


@pytest.fixture
def empty_db_url(pg_server_url: str) -> Iterator[str]:
    """URL of a fresh database with no kenny-wa schema; dropped after the test."""
    name = create_database(pg_server_url, "kwa_empty")
    try:
        yield url_for(pg_server_url, name)
    finally:
        drop_database(pg_server_url, name)


@pytest.fixture
def db_conn(db_url: str) -> Iterator[psycopg.Connection]:
    """A connection (dict rows, not autocommit) to the test's migrated database."""
    conn = store.connect(db_url)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="session", autouse=True)
def others_can_run_this_checkout() -> Iterator[None]:
    """Let another user run this checkout's venv and code (the embedded PostgreSQL's own user
    too, as root): every folder above the project and
    the venv must let others pass (a clone below a 0700 folder, as ``mktemp -d`` makes, would
    not). Only the search bit is added (and reading, for the project folder itself), and each
    mode is put back afterwards."""
    import stat
    import sys

    project = Path(__file__).resolve().parent.parent
    venv_bin = Path(sys.executable).parent
    folders: list[Path] = []
    for path in (project, venv_bin):
        for folder in [*reversed(path.parents), path]:
            if folder not in folders:
                folders.append(folder)
    changed: list[tuple[Path, int]] = []
    for folder in folders:
        mode = stat.S_IMODE(folder.stat().st_mode)
        # Python lists a sys.path entry to import; kenny-wa's embedded-PostgreSQL check wants g+rx,o+rx
        wanted = mode | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
        if wanted != mode:
            os.chmod(folder, wanted)
            changed.append((folder, mode))
    try:
        yield
    finally:
        for folder, mode in reversed(changed):
            os.chmod(folder, mode)
