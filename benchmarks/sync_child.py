"""One ``run_sync`` in its own process, so its peak RSS is its own (``python -m benchmarks.sync_child``).

Reads the settings environment as JSON from argv[1]; prints one JSON line: the summary, the
wall time of ``run_sync`` and the peak RSS (VmHWM). ``--profile PATH`` writes a pyinstrument HTML
profile of the run (and a text one next to it); ``--trace`` counts and times every Playwright
call by kenny_wa call site (:mod:`benchmarks.roundtrips`).
"""

from __future__ import annotations

import json
import resource
import sys
import time


def peak_rss() -> int:
    """This process's peak RSS in bytes: VmHWM (``ru_maxrss`` survives execve, so a child
    started from a big parent would report the parent's size)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str]) -> int:
    env = json.loads(argv[0])
    profile = argv[argv.index("--profile") + 1] if "--profile" in argv else None
    trace = "--trace" in argv
    from benchmarks import common

    common.quiet_logs()
    from kenny_wa import sync
    from kenny_wa.config import load_settings

    settings = load_settings(env)
    if trace:
        from benchmarks import roundtrips

        roundtrips.install()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    start = time.perf_counter()
    cpu0 = time.process_time()
    summary = sync.run_sync(settings)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.stop()
        with open(profile, "w", encoding="utf-8") as f:
            f.write(profiler.output_html())
        with open(profile.rsplit(".", 1)[0] + ".txt", "w", encoding="utf-8") as f:
            f.write(profiler.output_text(unicode=True, color=False, show_all=False))
    extra = {}
    if trace:
        extra = {"roundtrips": roundtrips.report(), "roundtrip_totals": roundtrips.totals()}
    print(
        json.dumps(
            {
                **extra,
                "summary": summary.as_dict(),
                "seconds": wall,
                "python_cpu_seconds": cpu,
                "python_maxrss_bytes": peak_rss(),
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
