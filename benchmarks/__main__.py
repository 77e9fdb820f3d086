"""python -m benchmarks [--quick] [--only NAMES] — measure every cost against its floor.

Writes ``benchmarks/results/latest.json`` (full) or ``latest-quick.json`` (``--quick``) after
each benchmark (so an interrupted run keeps what it measured), and at the end
``benchmarks/results/RESULTS.md`` with one section per mode (the other mode's section is
rebuilt from its JSON). Timing lives here, never in test assertions.

Benchmarks (``--only`` takes a comma-separated subset; a subset run updates those entries in the
existing JSON of the same mode):
  extraction  read_window vs 3 Playwright locator calls per row, same rendered rows
  upsert      store.upsert_messages of 50,000 rows vs bare COPY; unchanged rerun
  deferral    jobs.defer_extractions inside the upsert transaction vs one job per call
  sync        first sync vs the replica's floor (rate limit off / default), incremental
              sync, peak RSS of Python and of the Chromium tree at two scenario sizes
  ocr         the built-in OCR's images/s and character error rate on 54 generated images
              (screenshots, degraded photos) next to Debian's tesseract; a worker draining
              1,000 queued extraction jobs (30 distinct images), its peak RSS

Quick mode (< 3 minutes on an idle 2-core machine): fewer repeats, a 20-chat scenario instead
of the 200-chat ``large`` one. PostgreSQL: $KENNY_BENCH_PG_URL, $PG_URL or
postgresql://postgres@127.0.0.1:5432 (a throwaway database is created and dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ALL = ("extraction", "upsert", "deferral", "sync", "ocr")

# (key, scenario spec or name, latency ms, rate limit on, incremental)
SYNC_PLAN = {
    "quick": [
        ("first_rate_off", ("bench-20", 20, 1_000), 300, False, True),
        ("first_rate_default", ("bench-5", 5, 200), 300, True, False),
    ],
    "full": [
        ("first_rate_default", ("bench-20", 20, 2_000), 300, True, False),
        ("first_rate_off", "large", 300, False, True),
        ("large_rate_default", "large", 300, True, False),
        # memory at two sizes, never profiled (a profiler's sample buffer would count as RSS)
        ("memory_small", ("bench-20", 20, 2_000), 300, False, False),
        ("memory_mid", ("bench-60", 60, 12_000), 300, False, False),
    ],
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    p.add_argument("--quick", action="store_true", help="the under-3-minutes mode (latest-quick.json)")
    p.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    p.add_argument("--output-dir", type=Path, default=RESULTS_DIR, help="where results are written")
    p.add_argument("--sync-cases", default=None, help="comma-separated subset of the mode's sync cases")
    p.add_argument(
        "--render",
        action="store_true",
        help="measure nothing: recompute derived fields and targets of the existing JSON files,"
        " rewrite RESULTS.md",
    )
    p.add_argument(
        "--profile-dir",
        type=Path,
        default=None,
        help="write pyinstrument profiles of each first sync here (diagnosis only: the profiler's"
        " samples inflate that sync's CPU and RSS; such cases are marked and left out of memory)",
    )
    return p.parse_args(argv)


def memory_summary(sync_results: dict[str, Any]) -> dict[str, Any] | None:
    """Peak RSS of each first sync, smallest and largest scenario compared (pure)."""
    points = []
    for case in sync_results.values():
        first = case.get("first")
        if first and not case.get("profiled"):
            points.append(
                {
                    "scenario": case["scenario"],
                    "messages": first["messages_fetched"],
                    "python_rss_peak_mb": first["python_rss_peak_mb"],
                    "python_rss_peak_sampled_mb": first["python_rss_peak_sampled_mb"],
                    "chromium_rss_peak_mb": first["chromium_rss_peak_mb"],
                    "chromium_processes": first["chromium_processes"],
                }
            )
    if len(points) < 2:
        return None
    points.sort(key=lambda p: p["messages"])
    small, large = points[0], points[-1]
    return {
        "points": points,
        "python_growth": round(large["python_rss_peak_mb"] / small["python_rss_peak_mb"], 2),
        "message_growth": round(large["messages"] / max(1, small["messages"]), 1),
        "chromium_growth": round(large["chromium_rss_peak_mb"] / max(0.1, small["chromium_rss_peak_mb"]), 2),
    }


RATE_LIMIT_MEAN_S = 0.75 * 1.25  # WHATSAPP_SCROLL_MIN_INTERVAL_MS default + mean jitter (up to 50 %)


def rate_limited_estimate(sync_results: dict[str, Any]) -> dict[str, Any] | None:
    """Lower bound for the rate-limited first sync of the rate-off scenario (pure).

    The limiter spaces history scroll actions at least 750 ms (+ jitter) apart, so a
    rate-limited sync cannot take less than its scroll count times the mean interval.
    """
    case = sync_results.get("first_rate_off")
    if not case or "first" not in case:
        return None
    scrolls = sum(
        c["calls"]
        for c in case["first"].get("browser_calls_top") or []
        if c["call"] == "Page.evaluate" and c["site"].endswith("history.py:scroll_older")
    )
    if not scrolls:
        return None
    floor = case["first"]["floor_seconds"]
    seconds = scrolls * RATE_LIMIT_MEAN_S
    return {
        "scenario": case["scenario"],
        "history_scrolls": scrolls,
        "lower_bound_seconds": round(seconds, 1),
        "lower_bound_vs_floor": round(seconds / floor, 1) if floor else None,
    }


def _write(results: dict[str, Any], out_dir: Path, name: str) -> None:
    from benchmarks import report

    results["targets"] = report.evaluate_targets(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / name).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_markdown(out_dir: Path) -> Path:
    from benchmarks import report

    parts = [
        "# kenny-wa benchmarks",
        "",
        "Produced by `python -m benchmarks` (full) and `python -m benchmarks --quick`; the JSON files",
        "next to this one hold every number. Each cost is shown with its floor or baseline measured in",
        "the same run. Timings are wall-clock medians unless stated.",
        "",
    ]
    for name, title in (("latest.json", "Full mode"), ("latest-quick.json", "Quick mode")):
        path = out_dir / name
        if path.exists():
            parts.append(report.markdown(json.loads(path.read_text(encoding="utf-8")), title))
    notes = out_dir / "NOTES.md"
    if notes.exists():
        parts.append(notes.read_text(encoding="utf-8"))
    target = out_dir / "RESULTS.md"
    target.write_text("\n".join(parts), encoding="utf-8")
    return target


def render(out_dir: Path) -> int:
    """Recompute the derived entries (memory, estimate, targets) of both JSON files; rewrite RESULTS.md."""
    for name in ("latest.json", "latest-quick.json"):
        path = out_dir / name
        if not path.exists():
            continue
        results = json.loads(path.read_text(encoding="utf-8"))
        if results.get("sync"):
            results["memory"] = memory_summary(results["sync"])
            results["rate_limited_estimate"] = rate_limited_estimate(results["sync"])
        _write(results, out_dir, name)
    print(write_markdown(out_dir))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    selected = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(selected) - set(ALL)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if args.render:
        return render(args.output_dir)
    from benchmarks import common, pg, report

    common.quiet_logs()
    mode = "quick" if args.quick else "full"
    name = "latest-quick.json" if args.quick else "latest.json"
    started = time.perf_counter()
    previous: dict[str, Any] = {}
    if set(selected) != set(ALL) and (args.output_dir / name).exists():
        # a partial run updates its entries in the existing results of the same mode
        previous = json.loads((args.output_dir / name).read_text(encoding="utf-8"))
        previous.pop("targets", None)
    results: dict[str, Any] = {
        **previous,
        "mode": mode,
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(pg.server_version()),
        "code": report.git_state(),
        "errors": {k: v for k, v in previous.get("errors", {}).items() if k.split(".")[0] not in selected},
    }
    if previous:
        results["partial_update"] = {"benchmarks": selected, "previous_started": previous.get("started")}

    def step(key: str, func: Any) -> None:
        t0 = time.perf_counter()
        print(f"[{time.perf_counter() - started:7.1f}s] {key} …", flush=True)
        try:
            results[key] = func()
        except Exception as exc:  # keep going: one broken benchmark must not lose the others
            results["errors"][key] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        results[f"{key}_seconds"] = round(time.perf_counter() - t0, 1)
        results["duration_s"] = round(time.perf_counter() - started, 1)
        results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        _write(results, args.output_dir, name)

    if "extraction" in selected:
        from benchmarks import extraction

        step("extraction", lambda: extraction.run(quick=args.quick))
    if "upsert" in selected:
        from benchmarks import upsert

        step("upsert", lambda: upsert.run_upsert(quick=args.quick))
    if "deferral" in selected:
        from benchmarks import upsert

        step("deferral", lambda: upsert.run_deferral(quick=args.quick))
    if "ocr" in selected:
        from benchmarks import ocr

        step("ocr", lambda: ocr.run(quick=args.quick))
        step("ocr_backlog", lambda: ocr.run_backlog_step(quick=args.quick))
    if "sync" in selected:
        from benchmarks import sync

        results["sync"] = dict(previous.get("sync") or {})  # cases run now replace theirs
        scenarios = Path(tempfile.mkdtemp(prefix="kwa-bench-scn-"))
        cases = set(args.sync_cases.split(",")) if args.sync_cases else None
        for key, spec, latency, rate_limit, incremental in SYNC_PLAN[mode]:
            if cases is not None and key not in cases:
                continue
            scenario = spec if isinstance(spec, str) else sync.scenario_file(scenarios, *spec)

            def one(
                scenario: str = scenario,
                latency: int = latency,
                rate_limit: bool = rate_limit,
                incremental: bool = incremental,
                key: str = key,
            ) -> dict[str, Any]:
                return sync.run_case(
                    scenario,
                    latency_ms=latency,
                    rate_limit=rate_limit,
                    incremental=incremental,
                    profile_dir=args.profile_dir,
                    label=key,
                )

            step(f"sync.{key}", one)
            if f"sync.{key}" in results:
                results["sync"][key] = results.pop(f"sync.{key}")
            results["memory"] = memory_summary(results["sync"])
            results["rate_limited_estimate"] = rate_limited_estimate(results["sync"])
            _write(results, args.output_dir, name)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    if previous:
        results["duration_s"] = previous.get("duration_s", 0)
    _write(results, args.output_dir, name)
    md = write_markdown(args.output_dir)
    print(f"wrote {args.output_dir / name} and {md} in {results['duration_s']:.0f} s", flush=True)
    for item in results["targets"].values():
        print(f"  {report._mark(item['met']):16} {item['target']}: {report._fmt(item['value'])}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
