#!/usr/bin/env python3
"""Bootstrap and run kenny-wa from a fresh clone with nothing but Python 3.11+.

    python3 dev.py demo     # install, then a full sync against the replica (embedded PostgreSQL)
    python3 dev.py test     # install, then the whole test suite
    python3 dev.py bench    # install, then the benchmarks (--quick for the short run)
    python3 dev.py setup    # install only

It creates ``.venv`` next to this file, installs the locked dependencies
(``requirements.lock``, with hashes) and the project, and makes sure a Chromium exists:
an explicit ``WHATSAPP_CHROMIUM_PATH``, Playwright's own browser, the system's
``/usr/bin/chromium``, else Debian's package (as root) or ``playwright install chromium``.
Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PY = BIN / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".kenny-wa-installed"
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# Fonts the replica draws text into images with (kenny_wa/replica/text_images.py).
FONTS = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf": "fonts-dejavu-core",
         "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc": "fonts-wqy-microhei"}
PYTEST_NO_TESTS = 5


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(*cmd: str | Path, check: bool = True, env: dict[str, str] | None = None) -> int:
    return subprocess.run([str(c) for c in cmd], check=check, env=env).returncode


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before anything else is checked
        sys.exit("kenny-wa needs Python 3.11 or newer")
    if not PY.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    if STAMP.exists() and STAMP.read_bytes() == fingerprint:
        return
    say("installing locked dependencies")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    run(PY, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ROOT)
    STAMP.write_bytes(fingerprint)


def find_chromium() -> str | None:
    explicit = os.environ.get("WHATSAPP_CHROMIUM_PATH")
    if explicit and Path(explicit).exists():
        return explicit
    probe = subprocess.run(  # Playwright's own browser, when `playwright install` put one there
        [str(PY), "-c", "import os; from playwright.sync_api import sync_playwright\n"
         "with sync_playwright() as p: path = p.chromium.executable_path\n"
         "print(path if os.path.exists(path) else '')"],
        capture_output=True, text=True,
    )
    found = probe.stdout.strip() if probe.returncode == 0 else ""
    if found:
        return found
    return next((p for p in SYSTEM_CHROMIUMS if Path(p).exists()), None)


def ensure_chromium() -> None:
    if find_chromium():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium")
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "chromium")
    else:
        say("installing Playwright's chromium")
        run(PY, "-m", "playwright", "install", "chromium")
    if not find_chromium():
        sys.exit("no Chromium found: set WHATSAPP_CHROMIUM_PATH to a Chromium or Chrome binary")


def ensure_fonts() -> None:
    missing = sorted({package for path, package in FONTS.items() if not Path(path).exists()})
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's " + " ".join(missing))
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", *missing)
    else:
        say("the replica's text images need the Debian packages " + " ".join(missing)
            + ": install them (as root: apt-get install " + " ".join(missing) + ")")


def setup() -> None:
    ensure_venv()
    ensure_chromium()
    ensure_fonts()


def cmd_test(args: list[str]) -> int:
    setup()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    code = run(PY, "-m", "pytest", *(args or ["-q"]), check=False, env=env)
    if code == PYTEST_NO_TESTS:
        say("pytest collected no tests for this selection")
        return 0
    return code


def cmd_demo(args: list[str]) -> int:
    setup()
    return run(BIN / "kenny-wa", "demo", *args, check=False)


def cmd_bench(args: list[str]) -> int:
    setup()
    return run(PY, "-m", "benchmarks", *args, check=False)


def main(argv: list[str]) -> int:
    commands = {"test": cmd_test, "demo": cmd_demo, "bench": cmd_bench}
    if not argv or argv[0] not in {*commands, "setup"}:
        print(__doc__)
        return 2
    if argv[0] == "setup":
        setup()
        return 0
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
