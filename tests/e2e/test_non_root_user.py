"""As a normal user, the default folders work and an unusable one is named, with exit 2.

Run by root, the test creates the user ``kwa-operator`` (useradd) and runs ``kenny-wa``
under it with ``runuser``; run by a normal user, it runs as that user. ``login`` is pointed at
the replica, which shows a QR code that nobody scans: the command must get as far as the QR
and end with the login timeout (exit 12), not with "unexpected PermissionError" on
``/data/whatsapp_profile``. Skipped without Chromium.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from kenny_wa import errors

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("others_can_run_this_checkout")]

BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
USER = "kwa-operator"


@pytest.fixture(scope="module")
def user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
        return pwd.getpwnam(USER)


def _as_user(user: pwd.struct_passwd, args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {"HOME": user.pw_dir, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **env}
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", user.pw_name, "--"]
    return subprocess.run(
        [*prefix, "env", "-i", *(f"{k}={v}" for k, v in clean.items()), str(BIN / "kenny-wa"), *args],
        capture_output=True, text=True, timeout=180, cwd="/",
    )


@pytest.fixture(scope="module")
def replica():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from kenny_wa.replica import ReplicaServer

    with ReplicaServer(scenario="small", era="p6", seed=5, latency_ms=20) as server:
        yield server


@pytest.mark.slow
def test_login_with_default_folders_reaches_the_qr_as_a_normal_user(user, replica, db_url):
    home = Path(user.pw_dir)
    done = _as_user(
        user, ["login", "--timeout", "5"],
        WHATSAPP_WEB_URL=replica.url.rstrip("/"), WHATSAPP_CHROMIUM_PATH=CHROMIUM, PG_URL=db_url,
    )
    assert "PermissionError" not in done.stderr, done.stderr
    assert done.returncode == errors.LoginTimeout.exit_code, (done.returncode, done.stderr[-2000:])
    assert "Scan this code" in done.stdout
    if not Path("/data").is_dir():
        assert (home / ".local/share/kenny-wa/whatsapp_profile").is_dir()
        assert (home / ".local/state/kenny-wa/login-qr.png").is_file()


@pytest.fixture
def shared_tmp() -> Path:
    """A root-owned folder others may enter but not write (pytest's tmp_path is 0700)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kwa-non-root-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_folder_the_user_may_not_create_is_named_with_exit_2(user, shared_tmp, db_url):
    if os.geteuid() != 0:
        pytest.skip("needs a folder owned by someone else (run as root)")
    locked = shared_tmp / "root-only"
    locked.mkdir()
    os.chmod(locked, 0o755)  # whatever the process's umask (a flow run sets 077)
    done = _as_user(user, ["login", "--timeout", "5"], WHATSAPP_PROFILE_DIR=str(locked / "profile"), PG_URL=db_url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"kenny-wa: WHATSAPP_PROFILE_DIR={locked / 'profile'} is unusable: it cannot be created: "
        f"user {user.pw_name} may not write to {locked}"
    ]


def test_an_unwritable_attachments_folder_stops_sync_with_exit_2(user, shared_tmp, db_url):
    if os.geteuid() != 0:
        pytest.skip("needs a folder owned by someone else (run as root)")
    theirs = shared_tmp / "attachments"
    theirs.mkdir()
    os.chmod(theirs, 0o755)
    done = _as_user(user, ["sync", "--once"], ATTACHMENTS_DIR=str(theirs), PG_URL=db_url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"kenny-wa: ATTACHMENTS_DIR={theirs} is unusable: it is not writable by user {user.pw_name}"
    ]
