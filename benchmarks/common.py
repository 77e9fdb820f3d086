"""Shared pieces: timing statistics, replica settings, pairing, process-tree memory sampling,
a stored image attachment (also used by tests/integration/test_ocr_jobs.py)."""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"


def quiet_logs() -> None:
    """Keep the project's per-chat log lines out of the benchmark output."""
    logging.disable(logging.INFO)
    try:
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    except Exception:  # pragma: no cover - structlog is a dependency
        pass


def median_seconds(func: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    """Run ``func`` ``repeat`` times; (median seconds, all samples)."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def settings_env(replica_url: str, root: Path, *, pg_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for load_settings against the replica (profile, state and files under ``root``)."""
    env = {
        "WHATSAPP_WEB_URL": replica_url,
        "WHATSAPP_PROFILE_DIR": str(root / "profile"),
        "WHATSAPP_CHROMIUM_PATH": CHROMIUM,
        "KENNY_WA_STATE_DIR": str(root / "state"),
        "ATTACHMENTS_DIR": str(root / "attachments"),
        "WHATSAPP_PAGE_TIMEOUT_SECONDS": "60",
        "WHATSAPP_BROWSER_LOCALE": "en-US",
        "KENNY_WA_LOG_LEVEL": "WARNING",
    }
    if pg_url:
        env["PG_URL"] = pg_url
    env.update(extra)
    return env


def pair(page: Any, settings: Any, replica: Any, timeout_ms: int = 60_000) -> None:
    """Open the replica, let its 'phone' scan the QR, wait for the chat list."""
    from kenny_wa.browser import auth
    from kenny_wa.browser.auth import AuthState

    page.goto(settings.web_url, wait_until="domcontentloaded")
    state = auth.wait_for_state(page, frozenset({AuthState.QR, AuthState.MAIN}), timeout_ms)
    if state == AuthState.QR:
        replica.pair()
        state = auth.wait_for_state(page, auth.READY, timeout_ms)
    if state not in auth.READY:
        raise RuntimeError(f"replica did not reach the chat list: {state}")
    auth.wait_for_ready(page, settings)


class TreeSampler:
    """Sample RSS of a process and of its Chromium descendants every ``interval`` seconds.

    ``python_peak`` is the peak RSS of the root process; ``chromium_peak`` the peak of the
    *sum* of RSS over descendants whose name contains "chrom" (browser, renderers, GPU,
    utility), i.e. the whole browser tree at one instant.
    """

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        import psutil

        self._psutil = psutil
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.python_peak = 0
        self.chromium_peak = 0
        self.chromium_processes_peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        psutil = self._psutil
        try:
            self.python_peak = max(self.python_peak, self.proc.memory_info().rss)
            children = self.proc.children(recursive=True)
        except psutil.Error:
            return
        total = count = 0
        for child in children:
            try:
                if "chrom" in child.name().lower():
                    total += child.memory_info().rss
                    count += 1
            except psutil.Error:
                continue
        self.chromium_peak = max(self.chromium_peak, total)
        self.chromium_processes_peak = max(self.chromium_processes_peak, count)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


MB = 1024 * 1024


def mb(value: float) -> float:
    return round(value / MB, 1)


def add_stored_image(conn, message_id: int, data: bytes, folder: Path) -> int:
    """Store ``data`` (a valid image) under ``folder`` as the message's attachment, the way a
    sync stores one; its attachment id. Shared by the OCR benchmark and tests."""
    from kenny_wa import media, store

    image = media.store_image(data, folder, max_pixels=40_000_000)
    return store.upsert_attachment(
        conn,
        message_id,
        media_type=image.media_type,
        file_path=image.file_path,
        checksum=image.checksum,
        size_bytes=image.size_bytes,
        width=image.width,
        height=image.height,
        status="stored",
        reason=None,
    ).attachment_id
