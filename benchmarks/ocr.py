"""OCR: images/s and character error rate of the built-in ``ocr`` extractor, next to Debian's
tesseract on the same images in the same run, and the worker draining a queued backlog.

The image set is fixed and generated (kenny_wa/replica/text_images.py, seeds 1..n): clean
screenshots (chat bubbles, an article) and degraded photos (a till receipt at an angle, street
signs with perspective, blur, noise and JPEG quality 35, a Chinese/English notice).

- ``ocr``: the extractor exactly as the worker runs it (one helper process with the models
  loaded, one image at a time), wall time per image, character error rate per image against
  the drawn text (kenny_wa/ocr/metrics.py), peak RSS of the helper process.
- ``tesseract``: the ``tesseract`` command (Debian's ``tesseract-ocr``, ``eng`` model) per
  image, the same rates; reported as unavailable when the binary is absent.
- ``backlog``: ``jobs`` extraction jobs queued with the toggle on (``distinct`` distinct images,
  each also forwarded into other chats), then one ``kenny-wa worker --once`` process drains
  them; jobs left, failures, drain time and the peak RSS of the worker's process tree.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import common, pg

FULL = {"screenshots": 26, "photos": 28, "backlog_jobs": 1000, "backlog_distinct": 30}
QUICK = {"screenshots": 6, "photos": 6, "backlog_jobs": 60, "backlog_distinct": 6}


def image_set(screenshots: int, photos: int) -> list[tuple[str, str, int]]:
    """(class, style, seed) of the fixed set: screenshot and photo styles in turn."""
    from kenny_wa.replica import text_images as ti

    out = [
        ("screenshot", ti.SCREENSHOT_STYLES[i % len(ti.SCREENSHOT_STYLES)], i + 1) for i in range(screenshots)
    ]
    out += [("photo", ti.PHOTO_STYLES[i % len(ti.PHOTO_STYLES)], i + 1) for i in range(photos)]
    return out


def write_images(folder: Path, items: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    from kenny_wa.replica import text_images as ti

    out = []
    for cls, style, seed in items:
        ext = "png" if ti.MEDIA_TYPES[style] == "image/png" else "jpg"
        path = folder / f"{style}-{seed}.{ext}"
        path.write_bytes(ti.render(style, seed))
        out.append(
            {"class": cls, "style": style, "seed": seed, "path": path, "text": ti.drawn_text(style, seed)}
        )
    return out


def peak_rss_mb(pid: int) -> float | None:
    """The kernel's high-water mark of a process's resident memory (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def summarise(per_image: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    """Rates per class and overall (pure)."""
    out: dict[str, Any] = {
        "images": len(per_image),
        "wall_s": round(wall_s, 1),
        "images_per_s": round(len(per_image) / wall_s, 3) if wall_s else None,
    }
    for cls in ("screenshot", "photo"):
        rows = [r for r in per_image if r["class"] == cls]
        if rows:
            out[cls] = {
                "images": len(rows),
                "mean_cer": round(statistics.fmean(r["cer"] for r in rows), 4),
                "median_s": round(statistics.median(r["seconds"] for r in rows), 2),
                "images_per_s": round(len(rows) / sum(r["seconds"] for r in rows), 3),
            }
    styles = sorted({r["style"] for r in per_image})
    out["by_style"] = {
        s: round(statistics.fmean(r["cer"] for r in per_image if r["style"] == s), 4) for s in styles
    }
    out["mean_cer"] = round(statistics.fmean(r["cer"] for r in per_image), 4) if per_image else None
    return out


def run_ocr(images: list[dict[str, Any]]) -> dict[str, Any]:
    import psutil

    from kenny_wa import ocr
    from kenny_wa.ocr.metrics import character_error_rate

    t0 = time.perf_counter()
    pool = ocr.configure(concurrency=1, timeout_s=600, max_pixels=40_000_000)
    load_s = time.perf_counter() - t0
    per_image = []
    helper = psutil.Process(pool.helpers[0].pid)
    started = time.perf_counter()
    try:
        for item in images:
            t, cpu = time.perf_counter(), sum(helper.cpu_times()[:2])
            result = pool.recognise(item["path"])
            per_image.append(
                {
                    "class": item["class"],
                    "style": item["style"],
                    "seed": item["seed"],
                    "seconds": time.perf_counter() - t,
                    "cpu_seconds": sum(helper.cpu_times()[:2]) - cpu,
                    "cer": character_error_rate(item["text"], result["text"]),
                }
            )
        wall = time.perf_counter() - started
        helper_peak = peak_rss_mb(helper.pid)
    finally:
        ocr.shutdown()
    out = summarise(per_image, wall)
    cpu_per_image = statistics.fmean(r["cpu_seconds"] for r in per_image)
    threads = pool.helpers[0].threads
    out.update(
        {
            # what an idle machine would do: the helper's CPU time spread over its threads
            "cpu_s_per_image": round(cpu_per_image, 2),
            "threads": threads,
            "cpu_bound_images_per_s": round(threads / cpu_per_image, 3) if cpu_per_image else None,
            "engine": ocr.identity(),
            "model_load_s": round(load_s, 1),
            "helper_rss_peak_mb": helper_peak,
            "worst": sorted(per_image, key=lambda r: -r["cer"])[:5],
        }
    )
    for row in out["worst"]:
        row["seconds"], row["cer"] = round(row["seconds"], 2), round(row["cer"], 4)
        row["cpu_seconds"] = round(row["cpu_seconds"], 2)
    return out


def run_tesseract(images: list[dict[str, Any]]) -> dict[str, Any]:
    from kenny_wa.ocr.metrics import character_error_rate

    binary = shutil.which("tesseract")
    if binary is None:
        return {"available": False, "reason": "tesseract not installed (apt-get install tesseract-ocr)"}
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    langs = subprocess.run([binary, "--list-langs"], capture_output=True, text=True).stdout.split()[1:]
    lang = "eng+chi_sim" if "chi_sim" in langs else "eng"
    per_image = []
    started = time.perf_counter()
    for item in images:
        t = time.perf_counter()
        done = subprocess.run(
            [binary, str(item["path"]), "stdout", "-l", lang],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "2"},
        )
        per_image.append(
            {
                "class": item["class"],
                "style": item["style"],
                "seed": item["seed"],
                "seconds": time.perf_counter() - t,
                "cer": character_error_rate(item["text"], done.stdout),
            }
        )
    out = summarise(per_image, time.perf_counter() - started)
    out.update(
        {
            "available": True,
            "version": version,
            "languages": lang,
            "note": "one tesseract process per image (the CLI), so each time includes its start",
        }
    )
    return out


class TreeRss:
    """Peak of the summed RSS of a process and all its descendants, sampled every 0.25 s."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.psutil, self.root = psutil, psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except self.psutil.Error:
                pass
            self._stop.wait(0.25)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_backlog(jobs_total: int, distinct: int) -> dict[str, Any]:
    """Queue ``jobs_total`` extraction jobs (``distinct`` images), drain them with one worker."""
    import datetime as dt

    import psycopg
    from psycopg.rows import dict_row

    from kenny_wa import jobs
    from kenny_wa.replica import text_images as ti

    root = Path(tempfile.mkdtemp(prefix="kwa-bench-ocr-"))
    try:
        with pg.throwaway_database("kwa_bench_ocr") as url:
            with psycopg.connect(url, row_factory=dict_row) as conn:
                ids = []
                rendered: dict[int, bytes] = {}
                for n in range(jobs_total):
                    d = n % distinct
                    if d not in rendered:
                        rendered[d] = ti.render(ti.STYLES[d % len(ti.STYLES)], 1000 + d)
                    data = rendered[d]
                    message_id = conn.execute(
                        "INSERT INTO messages (platform, external_id, thread_external_id, sender_id, ts,"
                        " is_outgoing, source_app, has_attachments) VALUES ('whatsapp', %s, %s, 'Bench',"
                        " %s, false, 'WhatsApp Web', true) RETURNING id",
                        (f"BENCH{n}", f"1555{n % 50:04d}@c.us", dt.datetime(2026, 11, 1, tzinfo=dt.UTC)),
                    ).fetchone()["id"]
                    ids.append(common.add_stored_image(conn, message_id, data, root / "att"))
                jobs.defer_extractions(conn, ids)
                conn.commit()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PG_URL", "KENNY_WA_", "IMAGE_"))}
            env.update(
                {
                    "PG_URL": url,
                    "IMAGE_PROCESSING_ENABLED": "true",
                    "KENNY_WA_LOG_LEVEL": "WARNING",
                    "KENNY_WA_STATE_DIR": str(root / "state"),
                }
            )
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "kenny_wa.cli", "worker", "--once", "--queues", "extraction"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            with TreeRss(proc.pid) as rss:
                _out, err = proc.communicate()
            drain_s = time.perf_counter() - started
            with psycopg.connect(url, row_factory=dict_row) as conn:
                left = conn.execute(
                    "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = %s"
                    " AND status <> 'succeeded'",
                    (jobs.EXTRACT_TASK,),
                ).fetchone()["n"]
                by_status = {
                    r["status"]: r["n"]
                    for r in conn.execute(
                        "SELECT status, count(*) AS n FROM extractions GROUP BY status"
                    ).fetchall()
                }
                reused = conn.execute(
                    "SELECT count(*) AS n FROM extractions WHERE provenance ? 'result_of_attachment_id'"
                ).fetchone()["n"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "jobs": jobs_total,
        "distinct_images": distinct,
        "worker_exit": proc.returncode,
        "stderr_tail": err[-500:] if proc.returncode else "",
        "drain_s": round(drain_s, 1),
        "jobs_per_s": round(jobs_total / drain_s, 2),
        "jobs_left": left,
        "extractions": by_status,
        "recognised": jobs_total - reused,
        "reused": reused,
        "worker_tree_rss_peak_mb": common.mb(rss.peak),
    }


def run(quick: bool = False) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    folder = Path(tempfile.mkdtemp(prefix="kwa-bench-ocr-set-"))
    try:
        images = write_images(folder, image_set(plan["screenshots"], plan["photos"]))
        load_start = [round(x, 2) for x in os.getloadavg()]
        result = {
            "set": {"screenshots": plan["screenshots"], "photos": plan["photos"]},
            "load_average_start": load_start,
            "ocr": run_ocr(images),
            "tesseract": run_tesseract(images),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def run_backlog_step(quick: bool = False) -> dict[str, Any]:
    """The backlog measurement on its own (a separate step: its result is kept if the rest fails)."""
    plan = QUICK if quick else FULL
    load_start = [round(x, 2) for x in os.getloadavg()]
    result = run_backlog(plan["backlog_jobs"], plan["backlog_distinct"])
    result["load_average_start"] = load_start
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


if __name__ == "__main__":  # python -m benchmarks.ocr [--quick]: this benchmark alone, JSON to stdout
    import json

    common.quiet_logs()
    quick = "--quick" in sys.argv
    print(json.dumps({"ocr": run(quick), "ocr_backlog": run_backlog_step(quick)}, indent=2, default=str))
