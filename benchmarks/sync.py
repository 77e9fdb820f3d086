"""First and incremental sync of the replica (real Chromium, throwaway database), with memory.

Each ``run_sync`` runs in a child process (:mod:`benchmarks.sync_child`) so that its peak
RSS belongs to that run alone; the replica runs here, in the parent, so its own memory (it
holds the whole scenario) is not counted as the sync's. While the child runs, a sampler
reads the RSS of the child and the summed RSS of its Chromium process tree.

The floor is what the page imposes: the replica adds ``latency_ms`` to every history chunk
it serves (chat open or older chunk) and sums it in ``stats()["floor_ms"]``, and its page
reports how long each chunk took from request to rows in the DOM, whose excess over the
latency (HTTP, JSON, building and laying out the rows) it sums in ``stats()["render_ms"]``.
Chunks are served one at a time to one page, so a sync cannot finish faster than latencies
plus render times. The latency-only ratio is kept next to it. The minimum number of chunks
(every chat in the lookback read to its start) is computed from the scenario, to show whether
the sync loaded chunks it did not need.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import common, pg

ROOT = Path(__file__).resolve().parent.parent
LOOKBACK_DAYS = 400  # the generated scenarios span up to 365 days: read everything


def scenario_file(directory: Path, name: str, chats: int, messages: int) -> str:
    """A generated scenario like ``large`` (same mix), scaled to ``chats`` / ``messages``."""
    groups = max(1, chats * 3 // 20)
    spec = {
        "name": name,
        "generate": {
            "chats": chats - groups,
            "groups": groups,
            "messages_total": messages,
            "days": 365,
            "media_ratio": 0.08,
            "archived": max(1, chats // 40),
            "unsaved_ratio": 0.12,
            "phone_prompt_chats": max(1, chats // 33),
            "lid_chats": max(1, chats // 25),
            "coverage": True,
        },
    }
    path = directory / f"{name}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


def minimum_chunks(replica: Any, lookback_days: int, chunk_size: int) -> tuple[int, int, int]:
    """(chats in the lookback, messages in them per the ground truth, history chunks a full
    read must load: every served row, system notices included, in chunk_size pieces). Archived
    chats count: a sync reads them too (WHATSAPP_INCLUDE_ARCHIVED defaults to true)."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=lookback_days)
    chats = [c for c in replica.scenario.chats if c.last_activity >= cutoff]
    jids = {c.jid for c in chats}
    messages = sum(1 for m in replica.ground_truth()["messages"] if m["thread_external_id"] in jids)
    chunks = sum(max(1, math.ceil(len(c.messages) / chunk_size)) for c in chats)
    return len(chats), messages, chunks


def _child(env: dict[str, str], profile: str | None = None, trace: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.sync_child", json.dumps(env)]
    if profile:
        cmd += ["--profile", profile]
    if trace:
        cmd.append("--trace")
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    with common.TreeSampler(proc.pid) as sampler:
        out, err = proc.communicate(timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"sync child failed ({proc.returncode}): {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    result["python_rss_peak_sampled"] = sampler.python_peak
    result["chromium_rss_peak"] = sampler.chromium_peak
    result["chromium_processes"] = sampler.chromium_processes_peak
    return result


def _pair(replica: Any, env: dict[str, str]) -> None:
    from kenny_wa.browser import launch
    from kenny_wa.config import load_settings

    settings = load_settings(env)
    with launch.browser_session(settings) as page:
        common.pair(page, settings, replica)


def _row(result: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    s = result["summary"]
    latency_s = stats["floor_ms"] / 1000
    render_s = stats.get("render_ms", 0) / 1000
    floor_s = latency_s + render_s
    return {
        "status": s["status"],
        "seconds": round(result["seconds"], 2),
        "process_seconds": round(result["process_seconds"], 2),
        "python_cpu_seconds": round(result["python_cpu_seconds"], 2),
        "floor_seconds": round(floor_s, 2),
        "vs_floor": round(result["seconds"] / floor_s, 2) if floor_s else None,
        "latency_floor_seconds": round(latency_s, 2),
        "render_seconds": round(render_s, 2),
        "vs_latency_floor": round(result["seconds"] / latency_s, 2) if latency_s else None,
        "chunks_loaded": sum(stats["chunks"].values()),
        "chats_opened_replica": sum(1 for v in stats["opens"].values() if v),
        "chats_opened": s["chats_opened"],
        "chats_total": s["chats_total"],
        "messages_fetched": s["messages_fetched"],
        "messages_per_s": round(s["messages_fetched"] / result["seconds"]) if result["seconds"] else None,
        "inserted": s["inserted"],
        "updated": s["updated"],
        "unchanged": s["unchanged"],
        "partial_chats": len(s.get("partial_chats") or []),
        "partial_reasons": dict(collections.Counter(p["reason"] for p in s.get("partial_chats") or [])),
        "python_rss_peak_mb": common.mb(result["python_maxrss_bytes"]),
        "python_rss_peak_sampled_mb": common.mb(result["python_rss_peak_sampled"]),
        "chromium_rss_peak_mb": common.mb(result["chromium_rss_peak"]),
        "chromium_processes": result["chromium_processes"],
        "browser_calls": (result.get("roundtrip_totals") or {}).get("calls"),
        "browser_wait_seconds": (result.get("roundtrip_totals") or {}).get("seconds"),
        "browser_calls_top": (result.get("roundtrips") or [])[:8],
    }


def run_case(
    scenario: str,
    *,
    latency_ms: int,
    rate_limit: bool,
    incremental: bool,
    seed: int = 1,
    profile_dir: Path | None = None,
    label: str = "",
) -> dict[str, Any]:
    """One first sync (and optionally the incremental one after 5 new messages in 3 chats, then
    the same with the revision sweep due, so the sweep's cost is reported apart)."""
    common.quiet_logs()
    root = Path(tempfile.mkdtemp(prefix="kwa-bench-sync-"))
    # The benchmark measures reading: the generated scenarios (like `large`) have no unread
    # badges, but the incremental step's new messages do, and under the default `defer` they
    # would wait for the person instead of being read.
    extra = {"WHATSAPP_SYNC_LOOKBACK_DAYS": str(LOOKBACK_DAYS), "WHATSAPP_UNREAD_CHATS": "read"}
    if not rate_limit:
        extra["WHATSAPP_SCROLL_MIN_INTERVAL_MS"] = "0"
    out: dict[str, Any] = {
        "profiled": profile_dir is not None,
        "scenario": Path(scenario).stem,
        "latency_ms": latency_ms,
        "rate_limit": "default (750 ms)" if rate_limit else "off",
    }
    try:
        _run_case(
            out,
            scenario,
            root,
            extra,
            latency_ms=latency_ms,
            seed=seed,
            incremental=incremental,
            profile_dir=profile_dir,
            label=label,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)  # profile, state and image files of the run
    return out


def _run_case(
    out: dict[str, Any],
    scenario: str,
    root: Path,
    extra: dict[str, str],
    *,
    latency_ms: int,
    seed: int,
    incremental: bool,
    profile_dir: Path | None,
    label: str,
) -> None:
    from kenny_wa.config import load_settings
    from kenny_wa.privacy import refs_for
    from kenny_wa.replica import ReplicaServer

    with (
        pg.throwaway_database() as url,
        ReplicaServer(scenario=scenario, era="p6", seed=seed, latency_ms=latency_ms) as replica,
    ):
        env = common.settings_env(replica.url, root, pg_url=url, **extra)
        chunk_size = replica.state.settings.chunk_size
        chats, messages, chunks = minimum_chunks(replica, LOOKBACK_DAYS, chunk_size)
        out.update(
            scenario_chats=chats,
            scenario_messages=messages,
            chunk_size=chunk_size,
            minimum_chunks=chunks,
            minimum_floor_seconds=round(chunks * latency_ms / 1000, 2),
        )
        _pair(replica, env)
        replica.reset_stats()
        prof = str(profile_dir / f"{label or out['scenario']}-first.html") if profile_dir else None
        first = _child(env, prof, trace=True)
        out["first"] = _row(first, replica.stats())
        if incremental:
            targets = [c for c in replica.scenario.chats if not c.archived][:3]
            _add_five(replica, targets, "incremental")
            replica.reset_stats()
            second = _child(env, trace=True)
            row = _row(second, replica.stats())
            row["changed_chats"] = len(targets)
            row["new_messages"] = 5
            opened = {j for j, v in replica.stats()["opens"].items() if v}
            changed = {c.jid for c in targets}
            # chats whose first read stopped short (e.g. the phone prompt) keep an incomplete
            # cursor and are reopened by design
            incomplete_refs = {p["chat_id"] for p in first["summary"].get("partial_chats") or []}
            chat_ref = refs_for(load_settings(env))  # the key the sync created in its state folder
            incomplete = {c.jid for c in replica.scenario.chats if chat_ref(c.jid) in incomplete_refs}
            row["opened_changed"] = len(opened & changed)
            row["opened_incomplete_from_first"] = len((opened - changed) & incomplete)
            row["opened_other"] = len(opened - changed - incomplete)
            row["opened_only_changed"] = opened == changed
            row["opened_only_changed_or_incomplete"] = changed <= opened <= changed | incomplete
            row["vs_first"] = round(row["seconds"] / out["first"]["seconds"], 3)
            out["incremental"] = row
            # the same again, with the revision sweep due (0 = every run): what the sweep adds
            _add_five(replica, targets, "sweep")
            replica.reset_stats()
            third = _child({**env, "WHATSAPP_REVISION_SWEEP_HOURS": "0"}, trace=True)
            sweep = _row(third, replica.stats())
            s = third["summary"]
            sweep.update(
                changed_chats=len(targets),
                new_messages=5,
                sweep=s.get("sweep"),
                chats_swept=s.get("chats_swept"),
                revised=s.get("revised"),
                window_hours=int(env.get("WHATSAPP_REVISION_WINDOW_HOURS", "60")),
                vs_first=round(sweep["seconds"] / out["first"]["seconds"], 3),
                vs_incremental=round(sweep["seconds"] / row["seconds"], 2) if row["seconds"] else None,
                sweep_extra_seconds=round(sweep["seconds"] - row["seconds"], 2),
            )
            out["incremental_sweep"] = sweep


def _add_five(replica: Any, targets: list[Any], tag: str) -> None:
    """5 new messages in 3 chats (2, 2, 1)."""
    for i, n in enumerate((2, 2, 1)):
        for k in range(n):
            replica.add_message(targets[i].jid, f"benchmark {tag} {i}.{k}")


if __name__ == "__main__":
    tmp = Path(tempfile.mkdtemp())
    path = scenario_file(tmp, "bench-5", 5, 300)
    print(json.dumps(run_case(path, latency_ms=100, rate_limit=False, incremental=True), indent=2))
