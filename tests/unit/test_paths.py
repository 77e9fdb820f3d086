"""Default folders per machine, and the one-line stop for a folder that cannot be used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kenny_wa import config, errors, paths


def test_defaults_are_the_xdg_folders_where_data_is_missing(tmp_path):
    env = {"HOME": str(tmp_path / "home")}
    dirs = paths.default_dirs(env, root=tmp_path / "no-data")
    assert dirs["attachments_dir"] == tmp_path / "home/.local/share/kenny-wa/attachments"
    assert dirs["profile_dir"] == tmp_path / "home/.local/share/kenny-wa/whatsapp_profile"
    assert dirs["state_dir"] == tmp_path / "home/.local/state/kenny-wa"


def test_xdg_variables_are_honoured_when_absolute(tmp_path):
    env = {"HOME": "/home/x", "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_STATE_HOME": "relative/ignored"}
    dirs = paths.default_dirs(env, root=tmp_path / "no-data")
    assert dirs["profile_dir"] == tmp_path / "d/kenny-wa/whatsapp_profile"
    assert dirs["state_dir"] == Path("/home/x/.local/state/kenny-wa")


def test_defaults_are_the_volumes_where_data_is_writable(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    dirs = paths.default_dirs({"HOME": "/home/x"}, root=root)
    assert dirs == {
        "attachments_dir": root / "attachments",
        "profile_dir": root / "whatsapp_profile",
        "state_dir": root / "state",
    }


def test_load_settings_uses_the_home_of_its_environment(tmp_path):
    if paths.container_root_usable():
        pytest.skip("/data is writable here: the container defaults apply")
    settings = config.load_settings({"HOME": str(tmp_path)})
    assert settings.profile_dir == tmp_path / ".local/share/kenny-wa/whatsapp_profile"
    assert settings.attachments_dir == tmp_path / ".local/share/kenny-wa/attachments"
    assert settings.state_dir == tmp_path / ".local/state/kenny-wa"
    explicit = config.load_settings({"HOME": str(tmp_path), "ATTACHMENTS_DIR": "/srv/att"})
    assert explicit.attachments_dir == Path("/srv/att")


def test_a_missing_folder_is_created_owner_only(tmp_path):
    target = tmp_path / "a" / "b"
    assert paths.ensure_usable_dir("ATTACHMENTS_DIR", target) == target
    assert target.is_dir() and (target.stat().st_mode & 0o777) == 0o700
    assert list(target.iterdir()) == []  # the probe file is gone


def test_a_file_is_named_with_its_variable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(errors.UnusablePath) as caught:
        paths.ensure_usable_dir("ATTACHMENTS_DIR", blocker)
    assert str(caught.value) == f"ATTACHMENTS_DIR={blocker} is unusable: it is a file, not a folder"
    assert caught.value.exit_code == 2
    with pytest.raises(errors.UnusablePath, match=r"^WHATSAPP_PROFILE_DIR=.* a file stands where"):
        paths.ensure_usable_dir("WHATSAPP_PROFILE_DIR", blocker / "below")


def test_a_full_device_is_named(tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(full)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        (full / "filler").write_bytes(b"\0" * 4096)
        with pytest.raises(errors.UnusablePath, match=r"^ATTACHMENTS_DIR=.* no space left on its device$"):
            paths.ensure_usable_dir("ATTACHMENTS_DIR", full)
    finally:
        subprocess.run(["umount", "-l", str(full)], check=False)


def test_sync_with_attachments_dir_a_file_stops_with_exit_2_before_anything(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "KENNY_WA_", "ATTACHMENTS"))}
    env.update(ATTACHMENTS_DIR=str(blocker), HOME=str(tmp_path), PG_URL="postgresql://nobody@127.0.0.1:1/none")
    done = subprocess.run([sys.executable, "-m", "kenny_wa.cli", "sync", "--once"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"kenny-wa: ATTACHMENTS_DIR={blocker} is unusable: it is a file, not a folder"]
