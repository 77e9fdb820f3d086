"""store.transaction / commit / rollback: the boundary callers use instead of psycopg's own.
Real PostgreSQL (a fresh migrated database per test)."""

from __future__ import annotations

import pytest

from kenny_wa import errors, store


def _write(conn) -> None:
    store.record_sync_state(conn, session_status="expired", success=False)


def _session(conn) -> str | None:
    return (store.get_sync_state(conn) or {}).get("session_status")


def test_a_block_that_ends_is_committed(db_conn, db_url):
    with store.transaction(db_conn):
        _write(db_conn)
    with store.connect(db_url) as other:
        assert _session(other) == "expired"


def test_rollback_undoes_a_block_that_succeeded(db_conn):
    with store.transaction(db_conn, rollback=True):
        _write(db_conn)
        assert _session(db_conn) == "expired"
    assert _session(db_conn) is None


def test_other_exceptions_pass_through_after_the_rollback(db_conn):
    with pytest.raises(KeyError), store.transaction(db_conn):
        _write(db_conn)
        raise KeyError("not a database error")
    assert _session(db_conn) is None


def test_driver_errors_become_database_unavailable(db_conn):
    with pytest.raises(errors.DatabaseUnavailable) as caught, store.transaction(db_conn):
        db_conn.execute("SELECT no_such_column FROM sync_state")  # a raw driver error
    assert "SQLSTATE 42703" in str(caught.value) and caught.value.__cause__ is None
    assert _session(db_conn) is None  # the connection is usable again


def test_commit_and_rollback_translate_a_dead_connection(db_url):
    conn = store.connect(db_url)
    _write(conn)
    conn.close()
    with pytest.raises(errors.DatabaseUnavailable):
        store.commit(conn)
    with pytest.raises(errors.DatabaseUnavailable):
        store.rollback(conn)


def test_a_probe_connection_bounds_its_statements(db_url):
    conn = store.connect(db_url, autocommit=True, timeout_seconds=1, application_name="kenny-wa-probe")
    try:
        assert store.ping(conn)
        row = conn.execute("SELECT current_setting('application_name') AS name").fetchone()
        assert row["name"] == "kenny-wa-probe"
        with pytest.raises(errors.DatabaseUnavailable) as caught, store.transaction(conn):
            conn.execute("SELECT pg_sleep(3)")
        assert "SQLSTATE 57014" in str(caught.value)  # query_canceled: the statement timeout
    finally:
        conn.close()
