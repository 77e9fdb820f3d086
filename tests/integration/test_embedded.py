"""The embedded PostgreSQL (no PG_URL): starts, is reused, migrates."""

from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from kenny_wa import store
from kenny_wa.config import Settings
from kenny_wa.store import embedded

pytestmark = pytest.mark.slow


def test_embedded_postgres_starts_is_reused_and_migrates():
    # not tmp_path: see tests/conftest.py (pytest resets its basetemp to 0700)
    root = Path(tempfile.mkdtemp(prefix="kenny-wa-embedded-"))
    settings = Settings(pg_url=None, state_dir=root / "state")
    pgdata = embedded.data_dir(settings)  # run as root: under /var/lib/kenny-wa (embedded.py)
    try:
        url = store.resolve_pg_url(settings)
        assert stat.S_IMODE(pgdata.stat().st_mode) == 0o700
        assert store.resolve_pg_url(settings) == url  # same server, same database
        with store.connect(url, autocommit=True) as conn:
            assert store.migrate(conn) == ["0001", "0002", "0003", "0004", "0005", "0006", "procrastinate"]
            assert store.migrate(conn) == []
            assert conn.execute("SELECT current_database() AS db").fetchone()["db"] == "kenny"
        with store.connect(settings) as conn:  # Settings resolve to the same server
            assert store.ping(conn)
    finally:
        embedded.stop(pgdata)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(pgdata, ignore_errors=True)


def test_pg_url_wins_over_embedded(tmp_path):
    settings = Settings(pg_url="postgresql://u@h/db", state_dir=tmp_path)
    assert store.resolve_pg_url(settings) == "postgresql://u@h/db"
    assert not (tmp_path / "postgres").exists()
