"""The embedded PostgreSQL used when PG_URL is unset.

``pgserver`` ships PostgreSQL binaries; its server listens on a unix socket only and keeps
running after this process exits (``cleanup_mode=None``), so every later command (the CLI, the
Procrastinate worker, a Prefect flow subprocess) reuses the same server through the same URL.
The data lives in ``<KENNY_WA_STATE_DIR>/postgres``.

Folder modes, when run as root: pgserver then runs PostgreSQL as its own ``pgserver`` user
and, so that this user can reach the data folder, adds ``g+rx,o+rx`` to EVERY folder above it
(``pgserver.utils.ensure_prefix_permissions``; the same for its own install folder and, when
the socket path would be too long, for its runtime folder). Under an owner-only state folder
in root's home that opened the state folder and ``/root`` to every user. PostgreSQL needs
that path for as long as it runs (its checkpointer reopens ``global/pg_control`` by absolute
path), so the modes cannot be put back afterwards, and the owner-only state folder can never
be above it. Instead kenny-wa never lets pgserver open a folder: :func:`start` refuses
(``ConfigError``) a data folder with a closed folder above it, and :func:`data_dir` puts the
data of a root run in ``/var/lib/kenny-wa/postgres-<hash of the state folder>``
(``/var/lib/kenny-wa`` is 0755 and holds nothing else; the data folder itself is 0700, of
user pgserver). As a normal user pgserver changes no mode and the data stays in the state
folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import stat
import time
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

from kenny_wa import errors, media
from kenny_wa.config import Settings
from kenny_wa.store.queries import QUERIES

DATABASE = "kenny"
ROOT_DATA_HOME = Path("/var/lib/kenny-wa")  # root runs only; see the module docstring
STOP_TIMEOUT_S = 60
SOCKET_PATH_MAX = 107  # bytes of a unix socket path on Linux (sun_path without its NUL)
# the bits pgserver adds to every folder above the data folder when run as root
TRAVERSE = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH


def data_dir(settings: Settings, *, as_root: bool | None = None) -> Path:
    """Where the embedded server keeps its data (see the module docstring)."""
    in_state = settings.state_dir / "postgres"
    if not (_is_root() if as_root is None else as_root):
        return in_state
    if (in_state / "PG_VERSION").exists():
        return in_state  # a cluster made before: start() refuses it if a folder above is closed
    digest = hashlib.sha256(str(settings.state_dir.expanduser().resolve()).encode()).hexdigest()[:12]
    return ROOT_DATA_HOME / f"postgres-{digest}"


def closed_folders(path: Path) -> list[Path]:
    """The existing folders above ``path`` that pgserver, run as root, would open up."""
    folders = [p for p in Path(path).expanduser().absolute().parents if p.exists()]
    return [p for p in folders if stat.S_IMODE(p.stat().st_mode) & TRAVERSE != TRAVERSE]


def _refuse_opening(pgdata: Path) -> None:
    """As root: raise ConfigError if pgserver would change the mode of any folder."""
    from pgserver import _commands, postgres_server

    closed = closed_folders(pgdata)
    closed += closed_folders(_commands.POSTGRES_BIN_PATH)
    if len(os.fsencode(pgdata / ".s.PGSQL.5432")) > SOCKET_PATH_MAX:  # pgserver moves the socket
        closed += closed_folders(postgres_server.PostgresServer.runtime_path / "x") or [pgdata]
    if closed:
        raise errors.ConfigError(
            "KENNY_WA_STATE_DIR",
            "a folder all of whose parent folders every user may enter (g+rx,o+rx): run as root, "
            "the embedded PostgreSQL runs as user pgserver and would open them to everyone; "
            "or set PG_URL, or run kenny-wa as a normal user",
        )


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


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

    try:
        if not _is_root():
            media.ensure_private_dir(pgdata.parent)
        elif pgdata.parent == ROOT_DATA_HOME and not ROOT_DATA_HOME.exists():
            ROOT_DATA_HOME.mkdir(mode=0o755)  # traversable by design: holds only 0700 data folders
            os.chmod(ROOT_DATA_HOME, 0o755)
    except OSError:
        raise errors.ConfigError("KENNY_WA_STATE_DIR", "a folder kenny-wa can create") from None
    if _is_root():
        _refuse_opening(pgdata)
    if not pgdata.exists():
        pgdata.mkdir(mode=0o700)
    if pgdata.stat().st_uid == os.geteuid():
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
    """Stop the embedded server for ``pgdata`` if it runs (used by tests).

    A fast shutdown (SIGINT to the postmaster: what ``pg_ctl stop`` sends), then wait until it
    is gone; whichever user the server runs as (``pg_ctl`` would have to run as that user).
    """
    from pgserver import utils

    pgdata = pgdata.expanduser().resolve()
    info = utils.PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _alive(info.process):
        if time.monotonic() > deadline:
            raise errors.DatabaseUnavailable("The embedded PostgreSQL did not stop")
        time.sleep(0.1)


def _alive(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(QUERIES["database_exists"], {"name": database}).fetchone()
        if row and row[0]:
            return
        try:
            conn.execute(sql.SQL(QUERIES["create_database"]).format(name=sql.Identifier(database)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another process created it between the check and the CREATE
