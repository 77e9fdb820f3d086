"""Pure helpers: machine description, target evaluation and the Markdown table."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from typing import Any

# (key, description, how to read it from the results) — evaluated by evaluate_targets
TARGETS: tuple[tuple[str, str], ...] = (
    ("extraction", "extraction ≥ 5,000 messages/s"),
    ("upsert_rate", "upsert ≥ 20,000 rows/s"),
    ("upsert_vs_copy", "upsert within 2x of bare COPY"),
    ("rerun_zero", "unchanged rerun writes 0 rows"),
    ("deferral", "job deferral ≥ 5,000 jobs/s (in the upsert transaction)"),
    ("first_sync_floor", "first sync, rate limit off ≤ 1.3x the page's floor"),
    (
        "incremental_only_changed",
        "incremental sync opens only (and all) the changed chats",
    ),
    ("incremental_time", "incremental sync ≤ 10% of the first sync"),
    ("memory_flat", "Python peak RSS flat as the scenario grows (≤ 1.25x for ≥ 5x the messages)"),
    ("ocr_cer_screenshots", "OCR character error rate ≤ 3% on clean screenshots"),
    ("ocr_cer_photos", "OCR character error rate ≤ 12% on degraded photos"),
    ("ocr_rate", "OCR ≥ 0.5 images/s on this machine (wall clock, shared machine)"),
    ("ocr_rate_cpu_bound", "OCR ≥ 0.5 images/s, CPU-bound estimate (load-robust)"),
    ("ocr_backlog", "toggle on with the backlog queued: one worker drains every job, no restart"),
)


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def evaluate_targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{key: {"target", "value", "met"}}; ``met`` is None when the measurement is missing."""

    def check(value: Any, ok: Any) -> dict[str, Any]:
        return {"value": value, "met": None if value is None else bool(ok(value))}

    sync_first = _get(results, "sync", "first_rate_off", "first")
    incremental = _get(results, "sync", "first_rate_off", "incremental")
    mem = _get(results, "memory")
    out = {
        "extraction": check(_get(results, "extraction", "messages_per_s"), lambda v: v >= 5000),
        "upsert_rate": check(_get(results, "upsert", "upsert_rows_per_s"), lambda v: v >= 20000),
        "upsert_vs_copy": check(_get(results, "upsert", "upsert_vs_copy"), lambda v: v <= 2.0),
        "rerun_zero": check(_get(results, "upsert", "rerun_rows_written"), lambda v: v == 0),
        "deferral": check(_get(results, "deferral", "jobs_per_s"), lambda v: v >= 5000),
        "first_sync_floor": check(sync_first and sync_first.get("vs_floor"), lambda v: v <= 1.3),
        "incremental_only_changed": check(
            incremental and incremental.get("opened_only_changed"), lambda v: v is True
        ),
        "incremental_time": check(incremental and incremental.get("vs_first"), lambda v: v <= 0.10),
        "memory_flat": check(mem and mem.get("python_growth"), lambda v: v <= 1.25),
        "ocr_cer_screenshots": check(
            _get(results, "ocr", "ocr", "screenshot", "mean_cer"), lambda v: v <= 0.03
        ),
        "ocr_cer_photos": check(_get(results, "ocr", "ocr", "photo", "mean_cer"), lambda v: v <= 0.12),
        "ocr_rate": check(_get(results, "ocr", "ocr", "images_per_s"), lambda v: v >= 0.5),
        "ocr_rate_cpu_bound": check(
            _get(results, "ocr", "ocr", "cpu_bound_images_per_s"), lambda v: v >= 0.5
        ),
        "ocr_backlog": check(_backlog_drained(results), lambda v: v is True),
    }
    for key, text in TARGETS:
        out[key]["target"] = text
    return out


def _read(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(pg_version: str | None = None, chromium: str = "/usr/bin/chromium") -> dict[str, Any]:
    """CPU model, cores, RAM, Python, PostgreSQL, Chromium, Playwright, load average."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.MULTILINE)
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    ram = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            m = re.search(r"^MemTotal:\s+(\d+) kB", f.read(), re.MULTILINE)
            ram = round(int(m.group(1)) / 1024 / 1024, 1) if m else None
    except OSError:
        pass
    try:
        from importlib.metadata import version

        playwright = version("playwright")
        psycopg = version("psycopg")
        procrastinate = version("procrastinate")
    except Exception:  # pragma: no cover
        playwright = psycopg = procrastinate = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": pg_version,
        "chromium": _read([chromium, "--version"]).splitlines()[-1]
        if _read([chromium, "--version"])
        else None,
        "playwright": playwright,
        "psycopg": psycopg,
        "procrastinate": procrastinate,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def git_state(root: str | None = None) -> dict[str, Any]:
    """The commit measured and the files that differed from it (benchmarks/ excluded)."""
    cwd = root or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = _read(["git", "-C", cwd, "rev-parse", "--short", "HEAD"]) or None
    status = _read(["git", "-C", cwd, "status", "--porcelain", "--untracked-files=no"])
    paths = (line.split(maxsplit=1)[-1] for line in status.splitlines() if line.strip())
    dirty = [p for p in paths if not p.startswith("benchmarks/")]
    return {"commit": commit, "modified": dirty}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) < 0.1:
            return f"{value:.3f}"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _mark(met: bool | None) -> str:
    return {True: "✅ met", False: "❌ missed", None: "— not measured"}[met]


def _backlog_drained(results: dict[str, Any]) -> bool | None:
    backlog = _get(results, "ocr_backlog")
    if not backlog:
        return None
    drained = backlog["worker_exit"] == 0 and backlog["jobs_left"] == 0
    return drained and set(backlog["extractions"]) == {"done"}


def _ocr_rows(oc: dict[str, Any], backlog: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """Rows of the OCR benchmark: the engine next to tesseract, then the backlog."""
    engine, tess = oc["ocr"], oc["tesseract"]

    def cls(r: dict[str, Any], name: str) -> str:
        c = r.get(name) or {}
        return f"CER {c.get('mean_cer', 0):.1%}, median {c.get('median_s')} s/image"

    def tess_text(name: str) -> str:
        if not tess.get("available"):
            return tess.get("reason", "unavailable")
        return cls(tess, name) + f" ({tess['version']}, {tess['languages']})"

    rows = [
        (f"OCR, {oc['set']['screenshots']} clean screenshots (chat, article)",
         f"ocr ({engine['engine']['engine']} {engine['engine']['engine_version']}):"
         f" {cls(engine, 'screenshot')}",
         f"tesseract: {tess_text('screenshot')}"),
        (f"OCR, {oc['set']['photos']} degraded photos (receipt, signs, Chinese notice, pages)",
         f"ocr: {cls(engine, 'photo')}", f"tesseract: {tess_text('photo')}"),
        ("OCR throughput, one helper process, one image at a time",
         f"{engine['images_per_s']} images/s ({engine['images']} images in {engine['wall_s']} s;"
         f" models loaded in {engine['model_load_s']} s; helper peak RSS {engine['helper_rss_peak_mb']} MB);"
         f" CPU-bound estimate {engine.get('cpu_bound_images_per_s')} images/s"
         f" ({engine.get('cpu_s_per_image')} CPU s/image over {engine.get('threads')} threads)",
         (f"tesseract: {tess.get('images_per_s')} images/s" if tess.get("available") else "tesseract: n/a")
         + f"; load average {oc.get('load_average_start')} → {oc.get('load_average_end')} on 2 cores"),
    ]
    if backlog:
        rows.append((
            f"Backlog: {backlog['jobs']:,} queued extraction jobs"
            f" ({backlog['distinct_images']} distinct images), one `kenny-wa worker --once`",
            f"drained in {backlog['drain_s']} s ({backlog['jobs_per_s']} jobs/s),"
            f" {backlog['jobs_left']} left,"
            f" extractions {backlog['extractions']}, recognised {backlog['recognised']}, reused"
            f" {backlog['reused']}; worker tree peak RSS {backlog['worker_tree_rss_peak_mb']} MB",
            f"load average {backlog.get('load_average_start')} → {backlog.get('load_average_end')}",
        ))
    return rows


def rows_for(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(measurement, value, floor/baseline in the same run) rows of the Markdown table."""
    rows: list[tuple[str, str, str]] = []
    ex = results.get("extraction")
    if ex:
        rows.append(
            (
                f"Extraction: read_window over {ex['window_messages']:,} rendered messages"
                f" ({ex['window_rows']:,} rows incl. virtualised shells),"
                f" era pinned ({ex.get('profile', 'p6')})",
                f"{ex['messages_per_s']:,} msg/s ({ex['read_window_ms']} ms;"
                f" evaluate {ex['raw_evaluate_ms']} ms + parse {ex['parse_ms']} ms);"
                f" CPU-bound estimate {ex.get('cpu_bound_messages_per_s', 0):,} msg/s"
                f" (renderer {ex.get('renderer_cpu_ms')} ms + parse {ex.get('parse_cpu_ms')} ms CPU)",
                f"3 locator calls/row: {ex['baseline_rows_per_s']:,} rows/s over {ex['baseline_rows']} rows"
                f" ({ex['speedup']}x slower)",
            )
        )
        if "messages_per_s_auto" in ex:
            rows.append(
                (
                    'Extraction as the sync calls it (setting "auto": every era\'s selectors)',
                    f"{ex['messages_per_s_auto']:,} msg/s ({ex['read_window_auto_ms']} ms; evaluate"
                    f" {ex['raw_evaluate_auto_ms']} ms)",
                    f"era pinned: evaluate {ex['raw_evaluate_ms']} ms",
                )
            )
    up = results.get("upsert")
    if up:
        rows.append(
            (
                f"Upsert {up['rows']:,} new rows (one transaction)",
                f"{up['upsert_rows_per_s']:,} rows/s ({up['upsert_ms']:,} ms)",
                f"bare COPY: {up['bare_copy_rows_per_s']:,} rows/s ({up['bare_copy_ms']:,} ms)"
                f" → {up['upsert_vs_copy']}x",
            )
        )
        rows.append(
            (
                "Upsert unchanged rerun",
                f"{up['rerun_rows_per_s']:,} rows/s; rows written {up['rerun_rows_written']}"
                f" (PostgreSQL saw {up['rerun_tuples_written_pg']})",
                f"first upsert / rerun time = {up['rerun_speedup']}",
            )
        )
    de = results.get("deferral")
    if de:
        for b in de["batches"]:
            rows.append(
                (
                    f"Defer {b['jobs']:,} extraction jobs inside the upsert transaction",
                    f"{b['jobs_per_s']:,} jobs/s ({b['defer_ms']} ms)",
                    f"one job per call: {de['one_by_one_jobs_per_s']:,} jobs/s",
                )
            )
    for sync in (results.get("sync") or {}).values():
        first = sync.get("first")
        if not first:
            continue
        label = (
            f"First sync, {sync['scenario']} ({sync['scenario_chats']} chats, "
            f"{sync['scenario_messages']:,} msgs), latency {sync['latency_ms']} ms, "
            f"rate limit {sync['rate_limit']}"
        )
        rows.append(
            (
                label,
                f"{first['seconds']:,.1f} s ({first['messages_fetched']:,} msgs,"
                f" {first['messages_per_s']:,} msg/s,"
                f" {first['chunks_loaded']:,} chunks, {first['chats_opened']} chats opened;"
                f" {first['browser_calls']:,} browser calls waited {first['browser_wait_seconds']:,.1f} s;"
                f" Python CPU {first['python_cpu_seconds']:,.1f} s)",
                _floor_text(first, sync),
            )
        )
        inc = sync.get("incremental")
        if inc:
            rows.append(
                (
                    "Incremental sync after 5 new messages in 3 chats",
                    f"{inc['seconds']:,.1f} s, {inc['chats_opened']} chats opened"
                    f" ({inc['opened_changed']} changed, {inc['opened_incomplete_from_first']} partial"
                    f" in the first sync, {inc['opened_other']} other),"
                    f" {inc['inserted']} inserted, {inc['chunks_loaded']} chunks"
                    + (f"; partial: {inc['partial_reasons']}" if inc.get("partial_reasons") else ""),
                    f"{inc['vs_first'] * 100:.1f}% of the first sync",
                )
            )
        swept = sync.get("incremental_sweep")
        if swept:
            rows.append(
                (
                    f"The same with the revision sweep due (window {swept['window_hours']} h)",
                    f"{swept['seconds']:,.1f} s, {swept['chats_opened']} chats opened"
                    f" ({swept['chats_swept']} only for the sweep), {swept['inserted']} inserted,"
                    f" {swept['revised']} revised, {swept['chunks_loaded']} chunks",
                    f"{swept['vs_incremental']}x the plain incremental sync"
                    f" (+{swept['sweep_extra_seconds']:,.1f} s),"
                    f" {swept['vs_first'] * 100:.1f}% of the first sync",
                )
            )
    est = results.get("rate_limited_estimate")
    sync_keys = results.get("sync") or {}
    if est and not any(
        c.get("scenario") == est["scenario"] and "750" in str(c.get("rate_limit")) for c in sync_keys.values()
    ):
        rows.append(
            (
                f"First sync, {est['scenario']}, rate limit default: not run (estimate)",
                f"≥ {est['lower_bound_seconds']:,.0f} s = {est['history_scrolls']:,} history scrolls"
                " x 0.94 s mean interval",
                f"≥ {est['lower_bound_vs_floor']}x the rate-off run's floor",
            )
        )
    mem = results.get("memory")
    if mem:
        for point in mem["points"]:
            rows.append(
                (
                    f"Peak RSS during first sync, {point['scenario']} ({point['messages']:,} msgs)",
                    f"Python {point['python_rss_peak_mb']} MB",
                    f"Chromium tree {point['chromium_rss_peak_mb']} MB"
                    f" ({point['chromium_processes']} processes)",
                )
            )
        rows.append(
            (
                "Python peak RSS growth",
                f"{mem['python_growth']}x for {mem['message_growth']}x the messages",
                "flat = ≤ 1.25x",
            )
        )
    if results.get("ocr"):
        rows += _ocr_rows(results["ocr"], results.get("ocr_backlog"))
    return rows


def markdown(results: dict[str, Any], title: str) -> str:
    """One mode's section: machine line, measurement table, targets table."""
    m = results["machine"]
    code = results.get("code") or {}
    lines = [
        f"## {title}",
        "",
        f"Run {results['started']} ({results['duration_s']:.0f} s). Machine: {m['cpu']}, {m['cores']} cores,"
        f" {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}, PostgreSQL {m['postgresql']},"
        f" {m['chromium']}, Playwright {m['playwright']}, psycopg {m['psycopg']},"
        f" procrastinate {m['procrastinate']}. Load average at start {m['load_average']},"
        f" at end {results.get('load_average_end')}. Code: commit {code.get('commit') or 'not recorded'}"
        + (f", with uncommitted changes to {', '.join(code['modified'])}" if code.get("modified") else "")
        + ".",
        "",
        "| measurement | result | floor / baseline (same run) |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows_for(results)]
    lines += ["", "| target | value | status |", "|---|---|---|"]
    for item in evaluate_targets(results).values():
        lines.append(f"| {item['target']} | {_fmt(item['value'])} | {_mark(item['met'])} |")
    notes = results.get("notes") or []
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def _floor_text(first: dict[str, Any], sync: dict[str, Any]) -> str:
    """The floor column of a first sync: latencies plus the page's render time when measured
    (results from before the replica reported render times have latencies only)."""
    minimum = f"minimum {sync['minimum_chunks']:,} chunks = {sync['minimum_floor_seconds']:,.1f} s of latency"
    if "render_seconds" not in first:
        return f"floor {first['floor_seconds']:,.1f} s (latency only) → {first['vs_floor']}x ({minimum})"
    return (
        f"floor {first['floor_seconds']:,.1f} s = latency {first['latency_floor_seconds']:,.1f} s"
        f" + page render {first['render_seconds']:,.1f} s → {first['vs_floor']}x"
        f" (latency alone: {first['vs_latency_floor']}x; {minimum})"
    )
