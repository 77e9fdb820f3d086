"""``kenny-wa deploy``: register ``whatsapp-sync/scheduled`` from prefect.yaml with the settings.

prefect.yaml's ``{{ $WHATSAPP_SYNC_INTERVAL_MINUTES }}`` and ``{{ $KENNY_WA_APP_DIR }}`` are
resolved by ``prefect deploy`` from its environment; an unset one stays literal text and the
deploy fails ("Invalid RRule string"). This command fills them from the settings (the interval,
default 10) and from where the project is installed, creates the process work pool when it
is missing, and runs ``prefect --no-prompt deploy --all`` there. Exported values still work
with plain ``prefect deploy --all``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kenny_wa.config import Settings
from kenny_wa.errors import ConfigError

APP_DIR_VAR = "KENNY_WA_APP_DIR"
POOL_VAR = "KENNY_WA_WORK_POOL"
DEFAULT_POOL = "kenny-wa"


def project_dir(environ: dict[str, str] | None = None) -> Path:
    """The folder holding prefect.yaml: ``KENNY_WA_APP_DIR``, else the source checkout this
    package runs from, else the working folder."""
    environ = dict(os.environ) if environ is None else environ
    explicit = environ.get(APP_DIR_VAR, "").strip()
    if explicit:
        folder = Path(explicit).expanduser()
        if not (folder / "prefect.yaml").is_file():
            expected = "the kenny-wa project folder, the one holding prefect.yaml"
            raise ConfigError(APP_DIR_VAR, expected, explicit)
        return folder.resolve()
    for folder in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (folder / "prefect.yaml").is_file() and (folder / "flows").is_dir():
            return folder
    raise ConfigError(APP_DIR_VAR, "the kenny-wa project folder, the one holding prefect.yaml (unset: "
                      "not found next to the package nor in the working folder)")


def deploy_environment(
    settings: Settings, app_dir: Path, environ: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment ``prefect deploy`` resolves prefect.yaml's placeholders from (pure)."""
    env = dict(os.environ) if environ is None else dict(environ)
    env["WHATSAPP_SYNC_INTERVAL_MINUTES"] = str(settings.interval_minutes)
    env[APP_DIR_VAR] = str(app_dir)
    return env


def prefect_command() -> str:
    """This installation's ``prefect`` (next to its Python), else the one on PATH."""
    here = Path(sys.executable).parent / "prefect"
    return str(here) if here.exists() else (shutil.which("prefect") or "prefect")


def api_url() -> str | None:
    """The Prefect API this process would talk to (environment or Prefect profile)."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def run_deploy(settings: Settings) -> int:
    app_dir = project_dir()
    if not api_url():
        raise ConfigError("PREFECT_API_URL", "the Prefect server's API, e.g. http://127.0.0.1:4200/api "
                          "(deploying needs a running server)")
    env = deploy_environment(settings, app_dir)
    prefect = prefect_command()
    pool = env.get(POOL_VAR) or DEFAULT_POOL
    inspect = subprocess.run([prefect, "work-pool", "inspect", pool], env=env, cwd=app_dir,
                             capture_output=True, text=True)
    if inspect.returncode != 0:
        created = subprocess.run([prefect, "work-pool", "create", pool, "--type", "process"],
                                 env=env, cwd=app_dir, capture_output=True, text=True)
        if created.returncode != 0:
            sys.stderr.write(created.stdout + created.stderr)
            print(f"kenny-wa: could not create the work pool {pool} (is PREFECT_API_URL set?)",
                  file=sys.stderr)
            return created.returncode
    print(f"deploying whatsapp-sync/scheduled from {app_dir / 'prefect.yaml'}: every "
          f"{settings.interval_minutes} min (WHATSAPP_SYNC_INTERVAL_MINUTES), work pool {pool}")
    return subprocess.run([prefect, "--no-prompt", "deploy", "--all"], env=env, cwd=app_dir).returncode
