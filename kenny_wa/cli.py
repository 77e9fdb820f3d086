"""The ``kenny-wa`` command: argument parsing and dispatch only.

Each subcommand is a few lines of glue around a function in the package. Settings are read
from the environment once; a bad value prints one line naming the variable and exits 2.
Failures print their fixed message (never page or message content) and exit with the code
of their kind (see errors.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kenny_wa import __version__, errors, logs, privacy
from kenny_wa.config import Settings, describe, load_settings

Handler = Callable[[argparse.Namespace, Settings], int]


def _cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import store

    url = store.resolve_pg_url(settings)
    with store.connect(url) as conn:
        applied = store.migrate(conn)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import jobs, privacy, status_text, store

    if args.chat_ref is not None:
        return _resolve_chat_ref(args.chat_ref, settings)
    url = store.resolve_pg_url(settings)
    with store.connect(url) as conn:
        status = store.status_summary(conn)
        incomplete = [] if args.json else store.incomplete_chats(conn)
        deferred = [] if args.json else store.deferred_chats(conn)
    status["jobs"] = jobs.queue_counts(url)
    if args.json:
        print(json.dumps(status, default=str, indent=2))
    else:  # chat names go to the owner's terminal only, never to a log
        ref = privacy.refs_for(settings)
        print(status_text.render_status(status, incomplete, deferred=deferred, ref=ref))
    return 0


def _resolve_chat_ref(ref: str, settings: Settings) -> int:
    """Print the chat a ref stands for (this installation's key, this database's chats)."""
    from kenny_wa import privacy, store

    ref = ref.strip()
    if not privacy.REF.match(ref):
        raise errors.ConfigError("--chat-ref", "a chat reference such as chat-0123456789ab", ref)
    key = privacy.installation_key(settings.state_dir)
    with store.connect(store.resolve_pg_url(settings)) as conn:
        found = privacy.resolve_ref(ref, store.known_chat_ids(conn), key)
        names = {c["chat_id"]: c["name"] for c in store.incomplete_chats(conn)}
        names.update({c["chat_id"]: c["title"] for c in store.deferred_chats(conn) if c["title"]})
    if not found:
        print(f"kenny-wa: no chat of this database has the reference {ref} under this "
              "installation's key (KENNY_WA_STATE_DIR)", file=sys.stderr)
        return 1
    for chat_id in found:  # the owner's terminal only
        name = names.get(chat_id)
        print(f"{ref}: {chat_id}" + (f" ({name})" if name and name != chat_id else ""))
    return 0


def _cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import progress, sync

    reporter = progress.for_stream(sys.stderr, enabled=not args.json)
    summary = sync.run_sync(settings, dry_run=args.dry_run, progress=reporter)
    if args.json:
        print(json.dumps(summary.as_dict(), default=str))
    else:
        print(progress.render_summary(summary))
    if summary.error_message:  # the fixed, content-free message of the failure kind
        print(f"kenny-wa: {summary.error_message}", file=sys.stderr)
    return summary.exit_code


def _cmd_login(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa.browser import login

    png = args.qr_png or settings.state_dir / "login-qr.png"
    code = login.run_login(settings, timeout_s=args.timeout, qr_png_path=png)
    if code == 0:
        _record_paired(settings)
    return code


def _record_paired(settings: Settings) -> None:
    """Tell /health the session is back (migrating a new database first); pairing itself
    never depends on the database."""
    from kenny_wa import store

    try:
        with contextlib.closing(store.connect(settings)) as conn:
            store.migrate(conn)
            with store.transaction(conn):
                store.record_paired(conn)
    except (errors.KennyWaError, OSError) as exc:
        why = str(exc) if isinstance(exc, errors.KennyWaError) else type(exc).__name__
        print(
            f"kenny-wa: paired, but the database could not be updated ({why}); /health shows "
            "the old session status until the next sync.",
            file=sys.stderr,
        )


def _cmd_replica(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa.replica import serve

    try:
        serve(
            scenario=args.scenario,
            port=args.port,
            era=args.era,
            locale=args.locale,
            latency_ms=args.latency_ms,
            seed=args.seed,
            lang=args.lang,
        )
    except ValueError as e:  # e.g. a page language (--lang) the replica has no words for
        print(f"kenny-wa replica: {e}", file=sys.stderr)
        return 2
    return 0


def _cmd_extract_html(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa.browser import offline

    return offline.run_extract_html(
        args.file,
        json=args.json,
        locale=args.locale or settings.browser_locale,
        timezone=args.timezone or settings.browser_timezone,
    )


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import jobs, store

    if not args.backfill:
        print("nothing to do: pass --backfill", file=sys.stderr)
        return 2
    if not settings.image_processing_enabled:
        print("IMAGE_PROCESSING_ENABLED is false: the backfill would only queue no-op jobs; "
              "set it to true first", file=sys.stderr)
        return 2
    with store.connect(store.resolve_pg_url(settings)) as conn:
        count = jobs.backfill_extractions(conn)
        conn.commit()
    print(f"deferred {count} extraction job(s)")
    return 0


def _cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import jobs

    # a wrong KENNY_WA_EXTRACTOR stops run_worker before its first job (exit 2), not per job
    jobs.run_worker(settings, queues=tuple(args.queues.split(",")), wait=not args.once)
    return 0


def _cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import health

    health.serve(settings, host=args.host or settings.health_host, port=args.port or settings.health_port)
    return 0


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import demo

    return demo.run_demo(settings, scenario=args.scenario)


def _cmd_deploy(args: argparse.Namespace, settings: Settings) -> int:
    from kenny_wa import deploy

    return deploy.run_deploy(settings)


def _cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    for variable, default, expected in describe():
        print(f"{variable}={default}\n    {expected}")
    return 0


def how_to_run(program: str = "kenny-wa") -> str:
    """How to type ``program`` of this installation in the user's shell, as printed in hints.

    Its bare name when PATH finds this installation's copy; else its path (relative to the
    working folder when it lies below it, e.g. ``.venv/bin/kenny-wa``), because a fresh clone's
    venv is not on PATH and a bare name would answer "command not found".
    """
    here = Path(sys.executable).parent / program  # the venv's bin, not the resolved interpreter
    if not here.exists():
        return program
    found = shutil.which(program)
    if found and Path(found).resolve() == here.resolve():
        return program
    try:
        return str(here.relative_to(Path.cwd()))
    except ValueError:
        return str(here)


def activation_hint() -> str | None:
    """``. .venv/bin/activate`` when this installation's commands are not on PATH, else None."""
    activate = Path(sys.executable).parent / "activate"
    if how_to_run() == "kenny-wa" or not activate.exists():
        return None
    return f". {how_to_run('activate')}"


def _epilog() -> str:
    kw = how_to_run()
    lines = [
        "first steps:",
        f"  {kw} demo            # a full sync against the bundled replica (no real WhatsApp)",
        f"  {kw} settings        # every setting, its default and expected form",
        f"  {kw} login           # pair your phone (scan the QR code)",
        f"  {kw} sync --once     # one read-only sync of the recent chats",
    ]
    hint = activation_hint()
    if hint:
        lines.append(f"(or run `{hint}` once, then type plain `kenny-wa`)")
    return "\n".join(lines)


def folders_used(command: str, settings: Settings, args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(variable, folder) a command writes to: each is checked before the command starts."""
    from kenny_wa.paths import sync_folders

    used: list[tuple[str, Path]] = []
    if command == "sync":
        used.extend(sync_folders(settings, dry_run=args.dry_run))
    elif command == "login":
        used.append(("WHATSAPP_PROFILE_DIR", settings.profile_dir))
        if args.qr_png is None:
            used.append(("KENNY_WA_STATE_DIR", settings.state_dir))
    if command in ("demo", "status") or (settings.uses_embedded_postgres and command in _DATABASE_COMMANDS):
        used.append(("KENNY_WA_STATE_DIR", settings.state_dir))  # the embedded PostgreSQL's home
    return list(dict.fromkeys(used))


_DATABASE_COMMANDS = {"migrate", "status", "sync", "login", "extract", "worker", "health"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kenny-wa",
        description="Read-only WhatsApp Web ETL for Kenny. Settings come from environment "
        "variables: run `kenny-wa settings` to list them.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kenny-wa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    add("migrate", _cmd_migrate, "apply missing database migrations (and Procrastinate's schema once)")
    p = add("status", _cmd_status, "session status, last successful sync, rows per table, pending jobs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--chat-ref", default=None, metavar="chat-…",
                   help="print the chat a reference from a log or artifact stands for")
    p = add("sync", _cmd_sync, "run one whole sync of the recent chats into PostgreSQL")
    p.add_argument("--once", action="store_true", help="run one sync and exit (the only mode)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.add_argument("--dry-run", action="store_true", help="scrape and report, write nothing")
    p = add("login", _cmd_login, "pair this profile with your phone by scanning a QR code")
    p.add_argument("--timeout", type=int, default=300, help="seconds to wait for the scan")
    p.add_argument("--qr-png", type=_path, default=None, help="where to save the QR as PNG")
    p = add("replica", _cmd_replica, "serve the local WhatsApp Web replica until interrupted")
    p.add_argument("--scenario", default="default", help="scenario name or JSON file")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--era", choices=("p6", "p5", "p4"), default="p6")
    p.add_argument("--lang", default=None, help="the page language, e.g. pt-BR (default: the browser's)")
    p.add_argument("--locale", default=None, help="date and time formats only (default: --lang)")
    p.add_argument("--latency-ms", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p = add("extract-html", _cmd_extract_html, "run the extractor on a saved WhatsApp Web page or fragment")
    p.add_argument("file", type=_path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--locale", default=None)
    p.add_argument("--timezone", default=None)
    p = add("extract", _cmd_extract, "image extraction jobs")
    p.add_argument("--backfill", action="store_true",
                   help="re-defer every attachment that never got an extraction")
    p = add("worker", _cmd_worker, "run the Procrastinate worker (extraction and agent queues)")
    p.add_argument("--queues", default="extraction,agent")
    p.add_argument("--once", action="store_true", help="process ready jobs, then exit")
    p = add("health", _cmd_health, "serve GET /health and GET /metrics")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p = add("demo", _cmd_demo, "full sync against the replica on the embedded defaults, through Prefect")
    p.add_argument("--scenario", default="default")
    add("deploy", _cmd_deploy, "register the Prefect deployment from prefect.yaml with these settings "
        "(needs PREFECT_API_URL)")
    add("settings", _cmd_settings, "list every setting with its default and expected form")
    return parser


def _path(value: str) -> Path:
    return Path(value).expanduser()


def main(argv: Sequence[str] | None = None) -> int:
    privacy.owner_only_umask()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except errors.ConfigError as exc:
        print(f"kenny-wa: {exc}", file=sys.stderr)
        return exc.exit_code
    logs.configure(settings.log_level, settings.log_format)
    try:
        from kenny_wa.paths import ensure_usable_dirs

        ensure_usable_dirs(folders_used(args.command, settings, args))
        return args.handler(args, settings)
    except errors.KennyWaError as exc:
        print(f"kenny-wa: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # unknown failures: name the type only, their text may hold content
        logs.get_logger(__name__).debug("unexpected_error", exc_info=True)
        print(
            f"kenny-wa: unexpected {type(exc).__name__}; rerun with KENNY_WA_LOG_LEVEL=DEBUG "
            "for the traceback",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
