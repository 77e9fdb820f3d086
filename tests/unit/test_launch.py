"""Launch helpers: Chromium discovery order, user agent, flags (no browser started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kenny_wa import errors
from kenny_wa.browser import launch


def fs(*present: str):
    return lambda path: path in present


def no_which(_name: str) -> None:
    return None


def test_explicit_setting_wins():
    found = launch.find_chromium(
        Path("/opt/chrome/chrome"), "/pw/chromium", exists=fs("/opt/chrome/chrome", "/pw/chromium"),
        which=lambda n: "/usr/bin/chromium",
    )
    assert found == "/opt/chrome/chrome"


def test_explicit_setting_missing_is_a_config_error():
    with pytest.raises(errors.ConfigError) as info:
        launch.find_chromium(Path("/nope"), "/pw/chromium", exists=fs("/pw/chromium"), which=no_which)
    assert info.value.variable == "WHATSAPP_CHROMIUM_PATH"


def test_playwright_browser_before_system():
    found = launch.find_chromium(
        None, "/pw/chromium", exists=fs("/pw/chromium", "/usr/bin/chromium"), which=no_which
    )
    assert found == "/pw/chromium"


def test_playwright_browser_not_installed_falls_back_to_system_in_order():
    assert launch.find_chromium(None, "/pw/missing", exists=fs("/usr/bin/chromium"), which=no_which) == (
        "/usr/bin/chromium"
    )
    assert launch.find_chromium(
        None, None, exists=fs("/usr/bin/chromium-browser", "/usr/bin/google-chrome"), which=no_which
    ) == "/usr/bin/chromium-browser"
    assert launch.find_chromium(None, None, exists=fs("/usr/bin/google-chrome"), which=no_which) == (
        "/usr/bin/google-chrome"
    )
    which = {"google-chrome": "/somewhere/google-chrome"}.get
    assert launch.find_chromium(None, None, exists=fs(), which=which) == "/somewhere/google-chrome"


def test_nothing_found():
    with pytest.raises(errors.ConfigError):
        launch.find_chromium(None, None, exists=fs(), which=no_which)


def test_user_agent_is_desktop_chrome_from_real_version():
    major = launch.chrome_major("Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)")
    assert major == 156
    ua = launch.desktop_user_agent(major)
    assert "Chrome/156.0.0.0 " in ua and "Headless" not in ua
    assert ua.startswith("Mozilla/5.0 (X11; Linux x86_64)")
    assert launch.desktop_user_agent(None) == launch.desktop_user_agent(launch.FALLBACK_CHROME_MAJOR)


def test_strip_headless():
    raw = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/156.0.7727.0 Safari/537.36"
    )
    cleaned = launch.strip_headless(raw)
    assert "HeadlessChrome" not in cleaned and "Chrome/156.0.7727.0" in cleaned
    assert launch.chrome_major(raw) == 156


def test_launch_args():
    args = launch.launch_args("UA/1", is_root=False)
    assert "--user-agent=UA/1" in args
    assert "--no-sandbox" not in args
    for flag in ("--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--disable-default-apps",
                 "--disable-blink-features=AutomationControlled"):
        assert flag in args
    assert "--no-sandbox" in launch.launch_args(None, is_root=True)
    assert not any(a.startswith("--user-agent") for a in launch.launch_args(None, is_root=True))


def test_profile_in_use_detection():
    assert launch.is_profile_in_use("Failed to create a ProcessSingleton for your profile directory")
    assert not launch.is_profile_in_use("Target page, context or browser has been closed")


def test_profile_dir_owner_only(tmp_path):
    target = tmp_path / "a" / "profile"
    launch.prepare_profile_dir(target)
    assert target.stat().st_mode & 0o777 == 0o700
    target.chmod(0o755)
    launch.prepare_profile_dir(target)
    assert target.stat().st_mode & 0o777 == 0o700
    assert not launch.is_paired(target)
    launch.mark_paired(target)
    assert launch.is_paired(target)
