"""`kenny-wa migrate`: apply the numbered SQL migrations, then Procrastinate's schema, once.

Migrations are ``NNNN_name.sql`` files in the package folder ``kenny_wa/store/sql/``, read
through ``importlib.resources`` (as Procrastinate keeps its own). Each pending one is applied
in its own transaction together with its record in ``kenny_wa_migrations``, under a
transaction-level advisory lock so concurrent runs queue up instead of racing. The checksum of
every applied file is verified: an edited applied migration stops the run. Procrastinate's
schema (``procrastinate schema --apply`` is not idempotent) is installed as the
pseudo-migration ``procrastinate`` unless ``kenny_wa.jobs.schema_present`` finds it already there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import re
from importlib.abc import Traversable

import psycopg
from procrastinate import schema as procrastinate_schema

from kenny_wa import errors
from kenny_wa.store import db
from kenny_wa.store.queries import QUERIES

FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
PROCRASTINATE_VERSION = "procrastinate"


class MigrationChanged(errors.KennyWaError):
    """An applied migration file was changed; restore it and add a new migration instead."""

    status = "migration_changed"
    exit_code = 1

    def __init__(self, version: str) -> None:
        super().__init__(
            f"Migration {version} was changed after it was applied; restore the original file "
            "and put the change in a new migration"
        )
        self.version = version


@dataclasses.dataclass(frozen=True, slots=True)
class Migration:
    """One numbered migration file."""

    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def migrations_dir() -> Traversable:
    """The packaged migrations folder, ``kenny_wa/store/sql`` (installed or in a checkout alike)."""
    return importlib.resources.files("kenny_wa.store") / "sql"


def discover(folder: Traversable | None = None) -> list[Migration]:
    """Every ``NNNN_name.sql`` file of ``folder``, in version order."""
    folder = migrations_dir() if folder is None else folder
    found = []
    for entry in folder.iterdir():
        match = FILENAME.match(entry.name)
        if match:
            found.append(Migration(match[1], match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration files share a version number")
    return found


@db.boundary
def migrate(conn: psycopg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply every pending migration and Procrastinate's schema; return the versions applied.

    ``conn`` must not be inside a transaction: each migration commits on its own. Running it
    again applies nothing and returns ``[]``. Raises :class:`MigrationChanged` when an applied
    file no longer matches its recorded checksum.
    """
    migrations = discover() if migrations is None else migrations
    applied: list[str] = []
    with conn.transaction():
        _lock_and_bootstrap(conn)
        _verify(conn, migrations)
    for migration in migrations:
        with conn.transaction():
            recorded = _lock_and_bootstrap(conn)
            if migration.version in recorded:
                continue
            conn.execute(migration.sql)
            _record(conn, migration.version, migration.name, migration.checksum)
            applied.append(migration.version)
    with conn.transaction():
        recorded = _lock_and_bootstrap(conn)
        if PROCRASTINATE_VERSION not in recorded:
            from kenny_wa import jobs  # local: kenny_wa.jobs imports the store

            schema = procrastinate_schema.SchemaManager.get_schema()
            if not jobs.schema_present(conn):
                conn.execute(schema)
            checksum = hashlib.sha256(schema.encode("utf-8")).hexdigest()
            _record(conn, PROCRASTINATE_VERSION, "procrastinate schema", checksum)
            applied.append(PROCRASTINATE_VERSION)
    return applied


def _lock_and_bootstrap(conn: psycopg.Connection) -> dict[str, str | None]:
    """Take the migration lock, create the bookkeeping table, return {version: checksum}."""
    cur = db.cursor(conn)
    cur.execute(QUERIES["migrations_lock"])
    cur.execute(QUERIES["migrations_create_table"])
    return {row["version"]: row["checksum"] for row in cur.execute(QUERIES["migrations_applied"])}


def _verify(conn: psycopg.Connection, migrations: list[Migration]) -> None:
    recorded = _lock_and_bootstrap(conn)
    for migration in migrations:
        if migration.version in recorded and recorded[migration.version] != migration.checksum:
            raise MigrationChanged(migration.version)


def _record(conn: psycopg.Connection, version: str, name: str, checksum: str) -> None:
    db.cursor(conn).execute(
        QUERIES["migrations_record"], {"version": version, "name": name, "checksum": checksum}
    )
