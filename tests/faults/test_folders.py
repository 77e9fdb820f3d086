"""Owner-only folders, parents untouched: as root and as a normal user.

Everything kenny-wa creates (state folder, profile, attachments, the embedded PostgreSQL's
data) is 0700 with 0600 files, and no folder that existed before has its mode changed.
Run as root, pgserver used to add g+rx,o+rx to every folder above the data folder (a 0700
home became 0755); kenny_wa/store/embedded.py now never lets it. The folders above the state
folder here are a 0700 one and a 0750 one, so any opening shows.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from faulthelpers import KENNY_WA, base_env, rig

from kenny_wa import privacy
from kenny_wa.config import load_settings
from kenny_wa.store import embedded

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _above(*paths: Path) -> dict[Path, int]:
    """The mode of every existing folder above ``paths`` (what must never change)."""
    return {p: _mode(p) for path in paths for p in path.parents if p.exists()}


def _now(before: dict[Path, int]) -> dict[Path, int]:
    return {p: _mode(p) for p in before}


def _chain(owner: int | None = None) -> tuple[Path, Path]:
    """A 0700 folder holding a 0750 one, under which kenny-wa will create its state folder."""
    top = Path(tempfile.mkdtemp(prefix="kenny-wa-folders-"))
    home = top / "home"
    home.mkdir()
    if owner is not None:
        for p in (top, home):
            os.chown(p, owner, owner)
    top.chmod(0o700)
    home.chmod(0o750)
    return top, home


def assert_owner_only(root: Path) -> int:
    """Every folder below (and at) ``root`` is 0700 and every regular file 0600."""
    checked = 0
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        if stat.S_ISDIR(st.st_mode):
            assert _mode(path) == 0o700, (path, oct(_mode(path)))
        elif stat.S_ISREG(st.st_mode):
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
        else:
            continue  # sockets and symlinks: reachable only through the 0700 folders above
        checked += 1
    return checked


@contextlib.contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_as_root_a_sync_on_the_embedded_postgres_opens_no_folder(tmp_path, db_url):
    if os.geteuid() != 0:
        pytest.skip("the root half needs root (pgserver's root mode); the normal-user half runs")
    top, home = _chain()
    state = home / "state"
    before = _above(state, embedded.ROOT_DATA_HOME / "x")
    pgdata = embedded.data_dir(load_settings({"KENNY_WA_STATE_DIR": str(state)}))
    assert not pgdata.is_relative_to(top), "as root the data cannot live below a 0700 folder"
    try:
        with rig("faults-small", tmp_path, db_url, pair=False,
                 KENNY_WA_STATE_DIR=str(state), WHATSAPP_PROFILE_DIR=str(state / "profile"),
                 ATTACHMENTS_DIR=str(state / "attachments")) as r:
            del r.env["PG_URL"]  # the embedded PostgreSQL
            from faulthelpers import pair_profile

            with _umask(privacy.OWNER_ONLY_UMASK):  # what `kenny-wa login` runs with
                pair_profile(r.replica, r.env)
            migrated = subprocess.run([*KENNY_WA, "migrate"], env={**base_env(), **r.env},
                                      capture_output=True, text=True, timeout=180, check=False)
            assert migrated.returncode == 0, migrated.stderr[-2000:]
            res = r.sync()
            assert res.code == 0, (res.code, res.stderr[-2000:])
            assert res.summary["inserted"] > 0
        assert _now(before) == before, "a folder above was opened"
        assert _mode(embedded.ROOT_DATA_HOME) == 0o755
        assert assert_owner_only(state) > 20  # profile, attachments, images, Chromium's files
        assert pgdata.stat().st_uid == pwd.getpwnam("pgserver").pw_uid
        assert assert_owner_only(pgdata) > 100  # the cluster's own files
        # an explicit data folder behind a closed one is refused, and nothing is opened
        with pytest.raises(Exception) as refused:
            embedded.start(state / "postgres")
        assert "KENNY_WA_STATE_DIR" in str(refused.value)
        assert _now(before) == before and _mode(state) == 0o700
        assert not (state / "postgres").exists()
    finally:
        with contextlib.suppress(Exception):
            embedded.stop(pgdata)
        shutil.rmtree(pgdata, ignore_errors=True)
        shutil.rmtree(top, ignore_errors=True)


@contextlib.contextmanager
def _normal_user():
    """(name, uid): a throwaway user made with useradd when running as root, else ourselves."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        yield me.pw_name, me.pw_uid
        return
    name = f"kwa{uuid.uuid4().hex[:8]}"
    done = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"cannot create a normal user here: {done.stderr}"
    try:
        yield name, pwd.getpwnam(name).pw_uid
    finally:
        gone = subprocess.run(["userdel", name], capture_output=True, text=True, check=False)
        assert gone.returncode == 0, f"user {name} left behind: {gone.stderr}"


@pytest.mark.usefixtures("others_can_run_this_checkout")
def test_as_a_normal_user_the_embedded_postgres_stays_in_the_private_state_folder():
    with _normal_user() as (_name, uid):
        top, home = _chain(owner=uid)
        state = home / "state"
        runtime = top / "run"  # pgserver keeps a lock file in $XDG_RUNTIME_DIR
        runtime.mkdir(mode=0o700)
        os.chown(runtime, uid, uid)
        before = _above(state)
        env = {**base_env(), "HOME": str(top), "XDG_RUNTIME_DIR": str(runtime),
               "KENNY_WA_STATE_DIR": str(state), "WHATSAPP_PROFILE_DIR": str(state / "profile"),
               "ATTACHMENTS_DIR": str(state / "attachments")}
        pgdata = state / "postgres"
        try:
            done = subprocess.run([*KENNY_WA, "migrate"], env=env, cwd=top, capture_output=True,
                                  text=True, timeout=180, check=False,
                                  user=uid if os.geteuid() == 0 else None,
                                  group=uid if os.geteuid() == 0 else None,
                                  extra_groups=[] if os.geteuid() == 0 else None)
            assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
            assert _now(before) == before, "a folder above the state folder was opened"
            assert (pgdata / "PG_VERSION").exists()  # in the state folder, not elsewhere
            assert pgdata.stat().st_uid == uid
            assert assert_owner_only(state) > 100
        finally:
            with contextlib.suppress(Exception):
                embedded.stop(pgdata)
            shutil.rmtree(top, ignore_errors=True)
