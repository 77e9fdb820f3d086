"""The next steps kenny-wa prints run as printed, in a shell whose PATH lacks the venv.

A fresh clone's ``.venv/bin`` is not on PATH, so a printed bare ``kenny-wa status`` answers
"command not found". The demo's "What to try next" lines, the ``--help`` epilogue and the
README's command blocks are parsed from their real output and each is run with ``bash -c``:

- ``status``, ``settings``, ``migrate`` and the activation line run for real against the
  demo's database;
- ``health &`` is started as printed, and the printed ``curl`` line then reads it;
- long-running, account- or server-bound commands (``prefect server start``, ``login``,
  ``sync --once``, ``demo``, ``deploy``) run in their ``--help`` form: that proves the printed path
  resolves and the printed arguments parse. The server itself is exercised by
  test_prefect_deployment.py, login and sync by the replica tests; a real login needs a phone.

Skipped without PostgreSQL or Chromium.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
LONG_RUNNING = (" server start", " login", " sync --once", " demo", " deploy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shell_env(tmp: Path, pg_url: str, port: int) -> dict[str, str]:
    """The user's shell: no venv on PATH, no VIRTUAL_ENV, kenny-wa settings of this test only."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("KENNY_WA_", "WHATSAPP_", "PREFECT_"))}
    keep.pop("VIRTUAL_ENV", None)
    keep.pop("PG_URL", None)
    keep.pop("ATTACHMENTS_DIR", None)
    path = [p for p in keep.get("PATH", "/usr/bin:/bin").split(":") if p and Path(p).resolve() != BIN.resolve()]
    keep["PATH"] = ":".join(path)
    return {
        **keep,
        "PG_URL": pg_url,
        "KENNY_WA_STATE_DIR": str(tmp / "state"),
        "WHATSAPP_PROFILE_DIR": str(tmp / "profile"),
        "ATTACHMENTS_DIR": str(tmp / "attachments"),
        "KENNY_WA_HEALTH_PORT": str(port),
        "WHATSAPP_CHROMIUM_PATH": CHROMIUM,
    }


def _bash(line: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", line], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _command_of(line: str) -> str:
    """A printed line without its trailing ``# comment``."""
    return re.sub(r"\s+#.*$", "", line.strip())


def _run_printed(line: str, env: dict[str, str]) -> None:
    """Run one printed command as the docstring says (real, or its --help form)."""
    command = _command_of(line)
    if command.endswith("&"):
        _run_health_then(command, env)
        return
    if command.startswith("curl "):
        return  # run by _run_health_then, right after the server it reads
    if any(marker in f" {command}" for marker in LONG_RUNNING):
        done = _bash(f"{command} --help", env)
    else:
        done = _bash(command, env)
    assert done.returncode == 0, f"`{command}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    assert "command not found" not in done.stderr


_health_curl: list[str] = []


def _run_health_then(command: str, env: dict[str, str]) -> None:
    server = subprocess.Popen(
        ["bash", "-c", "exec " + command.rstrip("& ")], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        port = int(env["KENNY_WA_HEALTH_PORT"])
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, f"`{command}` exited: {server.communicate()[1][-2000:]}"
            assert time.monotonic() < deadline, f"`{command}` did not listen on {port}"
            time.sleep(0.3)
        for curl in _health_curl:
            done = _bash(curl, env)
            assert done.returncode == 0, done.stderr
            assert '"session"' in done.stdout and "# TYPE whatsapp_sync_upserts" in done.stdout
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, pg_server_url):
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    from tests.conftest import create_database, drop_database, url_for

    tmp = tmp_path_factory.mktemp("next-steps")
    name = create_database(pg_server_url, "kwa_next")
    env = _shell_env(tmp, url_for(pg_server_url, name), _free_port())
    try:
        # how dev.py runs it: the venv's command by path, from the project folder
        done = subprocess.run(
            [str(BIN / "kenny-wa"), "demo", "--scenario", "small"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 0, f"demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        yield env, done.stdout
    finally:
        drop_database(pg_server_url, name)


def _next_step_lines(output: str) -> list[str]:
    tail = output.split("What to try next:", 1)[1]
    return [line for line in tail.splitlines() if line.startswith("  ") and line.strip()]


def test_demo_next_steps_run_as_printed(demo_run):
    env, output = demo_run
    lines = _next_step_lines(output)
    commands = [line for line in lines if not line.strip().startswith("(")]
    assert len(commands) >= 6, lines
    _health_curl[:] = [_command_of(line) for line in commands if _command_of(line).startswith("curl ")]
    assert _health_curl, "the demo prints how to read /health"
    assert f":{env['KENNY_WA_HEALTH_PORT']}/health" in _health_curl[0], "the printed port is the configured one"
    for line in commands:
        _run_printed(line, env)
    hints = [re.search(r"`([^`]+)`", line) for line in lines if "activate" in line]
    assert hints and hints[0], "the venv is not on PATH, so the demo says how to activate it"
    done = _bash(f"{hints[0].group(1)} && kenny-wa --version && prefect version", env)
    assert done.returncode == 0, done.stderr


def test_help_epilogue_commands_run_as_printed(demo_run):
    env, _ = demo_run
    done = _bash(f"{shlex.quote(str(BIN / 'kenny-wa'))} --help", env)
    assert done.returncode == 0
    epilog = done.stdout.split("first steps:", 1)[1]
    commands = [line for line in epilog.splitlines() if line.startswith("  ")]
    assert commands
    for line in commands:
        assert _command_of(line).startswith(".venv/bin/kenny-wa "), line  # cwd is the project folder
        _run_printed(line, env)


ACTIVATE = ". .venv/bin/activate"


def _readme_commands() -> list[str]:
    """The command lines of the README's bash blocks; in a block that activates the venv
    first, each line is prefixed with that activation, as the reader's shell would have it."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    lines = []
    for block in blocks:
        commands = [_command_of(line) for line in block.splitlines()]
        commands = [c for c in commands if c and not c.startswith("#")]
        activated = ACTIVATE in commands
        lines.extend(f"{ACTIVATE} && {c}" if activated and c != ACTIVATE else c for c in commands)
    return lines


def test_readme_kenny_wa_commands_run_as_written(demo_run):
    """Every kenny-wa line of the README's shell blocks (Docker and Prefect lines have their own tests)."""
    env, _ = demo_run
    pattern = r"^(\. \.venv/bin/activate && )?(\S+=\S+ )*(\.venv/bin/)?kenny-wa\b"
    ours = [c for c in _readme_commands() if re.match(pattern, c)]
    assert ours and all(c.split()[0] != "kenny-wa" for c in ours), (
        "a bare kenny-wa in the README fails on a fresh clone: " + repr(ours)
    )
    for command in ours:
        if "export " in command:
            continue
        _run_printed(command, env)
