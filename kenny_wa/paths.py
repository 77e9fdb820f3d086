"""Where kenny-wa keeps its files by default, and whether a configured folder can be used.

Inside the container (or wherever ``/data`` exists and this user may write to it) the
defaults are the ``/data`` volumes; anywhere else they are the XDG data and state folders
under the user's home, so a non-root user's first ``kenny-wa login`` works without settings.

:func:`ensure_usable_dir` runs before a command touches a folder: a path that is a file, not
writable, or on a full device stops the command with one line naming the variable.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from kenny_wa.errors import UnusablePath

if TYPE_CHECKING:
    from kenny_wa.config import Settings

CONTAINER_ROOT = Path("/data")
APP = "kenny-wa"


def container_root_usable(root: Path = CONTAINER_ROOT) -> bool:
    """True where ``/data`` is a folder this user may write to (the container's volumes)."""
    return root.is_dir() and os.access(root, os.W_OK | os.X_OK)


def _xdg(env: Mapping[str, str], variable: str, fallback: str) -> Path:
    value = env.get(variable, "").strip()
    if value and Path(value).is_absolute():  # the XDG spec ignores relative values
        return Path(value)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / fallback


def default_dirs(env: Mapping[str, str] | None = None, root: Path = CONTAINER_ROOT) -> dict[str, Path]:
    """Default ``attachments_dir``, ``profile_dir`` and ``state_dir`` for this machine and user."""
    env = os.environ if env is None else env
    if container_root_usable(root):
        return {
            "attachments_dir": root / "attachments",
            "profile_dir": root / "whatsapp_profile",
            "state_dir": root / "state",
        }
    data = _xdg(env, "XDG_DATA_HOME", ".local/share") / APP
    return {
        "attachments_dir": data / "attachments",
        "profile_dir": data / "whatsapp_profile",
        "state_dir": _xdg(env, "XDG_STATE_HOME", ".local/state") / APP,
    }


def sync_folders(settings: Settings, *, dry_run: bool = False) -> list[tuple[str, Path]]:
    """(variable, folder) a sync writes to: the profile, the state (ref key, diagnostics), and
    the attachments unless none are saved."""
    used = [("WHATSAPP_PROFILE_DIR", settings.profile_dir), ("KENNY_WA_STATE_DIR", settings.state_dir)]
    if settings.download_images and not dry_run:
        used.append(("ATTACHMENTS_DIR", settings.attachments_dir))
    return used


def ensure_usable_dirs(folders: list[tuple[str, Path]]) -> None:
    """:func:`ensure_usable_dir` for each (variable, folder), in order."""
    for variable, folder in folders:
        ensure_usable_dir(variable, folder)


def ensure_usable_dir(variable: str, path: Path) -> Path:
    """Create ``path`` (0700) if missing and prove this user can write a file in it.

    Raises ``UnusablePath`` (exit 2) naming ``variable`` and what is wrong: a file where a
    folder should be, no permission, a read-only file system or no space left.
    """
    try:
        is_file = path.exists() and not path.is_dir()
    except PermissionError:
        problem = f"user {_user()} may not enter one of its parent folders"
        raise UnusablePath(variable, path, problem) from None
    if is_file:
        raise UnusablePath(variable, path, "it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise UnusablePath(variable, path, "a file stands where one of its folders should be") from None
    except NotADirectoryError:
        raise UnusablePath(variable, path, "a file stands where one of its folders should be") from None
    except OSError as exc:
        raise UnusablePath(variable, path, _cannot_create(path, exc)) from None
    try:
        fd, probe = tempfile.mkstemp(dir=path, prefix=".kenny-wa-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UnusablePath(variable, path, _cannot_write(exc)) from None
    stats = os.statvfs(path)
    if stats.f_bavail == 0:
        raise UnusablePath(variable, path, "no space left on its device")
    return path


def _cannot_create(path: Path, exc: OSError) -> str:
    parent = next((p for p in path.parents if os.path.exists(p)), Path("/"))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"it cannot be created: user {_user()} may not write to {parent}"
    return _cannot_write(exc)


def _cannot_write(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"it is not writable by user {_user()}"
    if exc.errno == errno.EROFS:
        return "it is on a read-only file system"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on its device"
    return f"it cannot be written ({errno.errorcode.get(exc.errno or 0, 'OSError')})"


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())
