"""`kenny-wa settings` lists every variable the code reads, and Docker Compose can pass each.

The code is scanned (AST) for every string that names a kenny-wa variable; the compose file
is parsed by the real ``docker compose config`` (or Debian's ``docker-compose``) with a
``.env`` that sets every listed variable: each kenny-wa service must receive each one.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kenny_wa import cli

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = ("WHATSAPP_", "KENNY_WA_", "IMAGE_")
EXACT = {"PG_URL", "ATTACHMENTS_DIR"}
# read by the deploy scripts and prefect.yaml, not by kenny-wa's code
DEPLOY_ONLY = {"KENNY_WA_APP_DIR", "KENNY_WA_WORK_POOL"}
KENNY_SERVICES = ("migrate", "deploy", "whatsapp-worker", "procrastinate-worker")
# values the stack wires itself (they win over .env)
WIRED = {"PG_URL", "WHATSAPP_ENABLE_SENDING"}
WIRED_PER_SERVICE = {"whatsapp-worker": {"KENNY_WA_HEALTH_HOST", "KENNY_WA_HEALTH_PORT"}}


def _names_in_code() -> set[str]:
    found = set()
    for path in [*(ROOT / "kenny_wa").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]:
        if "replica" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if value in EXACT or (value.startswith(VARIABLE) and value.isupper() and " " not in value):
                    found.add(value)
    return found - DEPLOY_ONLY


def _listed(capsys) -> list[str]:
    assert cli.main(["settings"]) == 0
    out = capsys.readouterr().out
    return [line.split("=", 1)[0] for line in out.splitlines() if line and not line.startswith(" ")]


def test_settings_lists_every_variable_the_code_reads(capsys):
    listed = _listed(capsys)
    read = _names_in_code()
    assert {"KENNY_WA_EXTRACTOR", "KENNY_WA_PG_URL"} <= read
    assert read - set(listed) == set(), "read by the code but not listed by `kenny-wa settings`"
    assert len(listed) == len(set(listed))


def test_readme_table_and_env_example_name_every_listed_variable(capsys):
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for variable in _listed(capsys):
        assert f"| `{variable}` |" in readme, variable
        assert f"{variable}=" in example, variable


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_passes_every_setting_from_one_env_file(tmp_path, capsys):
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    listed = _listed(capsys)
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    values = {variable: f"set-in-env-{i}" for i, variable in enumerate(listed)}
    lines = [(ROOT / ".env.example").read_text(), *(f"{k}={v}" for k, v in values.items())]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    done = subprocess.run([*command, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    for name in KENNY_SERVICES:
        env = services[name]["environment"]
        for variable, value in values.items():
            if variable in WIRED or variable in WIRED_PER_SERVICE.get(name, set()):
                continue
            assert str(env.get(variable)) == value, (name, variable)
        assert env["WHATSAPP_ENABLE_SENDING"] == "false"
        assert env["PG_URL"].endswith("@postgres:5432/kenny")


def test_compose_parses_with_the_example_env(tmp_path):
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    done = subprocess.run([*command, "config", "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
