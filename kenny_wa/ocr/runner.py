"""OCR helper processes: the model stays loaded in them, a job that overruns is killed.

A worker thread cannot be interrupted in the middle of an ONNX Runtime call, so the engine
runs in a child process (``spawn``: no forked copies of the worker's threads or sockets).
The child loads the models once and then serves one image at a time over a pipe. When an
image takes longer than the time limit the parent kills the child, reports
``ExtractionTimedOut`` and starts a fresh child for the next image; nothing else ever
reloads the models.

A pool holds one helper per worker slot (``KENNY_WA_WORKER_CONCURRENCY``); each helper's
ONNX Runtime uses its share of the CPUs.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kenny_wa import logs
from kenny_wa.extractors import ExtractionTimedOut, ExtractorFailed
from kenny_wa.ocr.models import OcrUnavailable

log = logs.get_logger(__name__)

LOAD_TIMEOUT_SECONDS = 300  # loading three ONNX models on a busy 2-core machine


class EngineCrashed(ExtractorFailed):
    """The OCR helper process exited while reading an image."""

    status = "engine_crashed"


def _serve(conn: Connection, threads: int) -> None:
    """The helper's main loop: load once, then (path, max_pixels) -> ("ok", result) or
    ("error", fixed reason code)."""
    from kenny_wa.ocr.engine import Engine

    try:
        engine = Engine(threads)
    except OcrUnavailable as exc:
        conn.send(("refused", str(exc)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            path, max_pixels = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", engine.recognise(Path(path), max_pixels)))
        except ExtractorFailed as exc:
            conn.send(("error", exc.status))
        except Exception:  # the reason is a fixed code: an engine error may echo image text
            conn.send(("error", ExtractorFailed.status))


class Helper:
    """One helper process, started on first use and again after it was killed."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self.stop()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child, self.threads), daemon=True, name="kenny-wa-ocr")
        process.start()
        child.close()
        self._process, self._conn = process, parent
        self.starts += 1
        if not parent.poll(LOAD_TIMEOUT_SECONDS):
            self.stop()
            raise OcrUnavailable("the OCR engine did not load its models in time")
        try:
            kind, detail = parent.recv()
        except EOFError:
            self.stop()
            raise OcrUnavailable("the OCR helper process exited while loading its models") from None
        if kind != "ready":
            self.stop()
            raise OcrUnavailable(detail)
        log.info("ocr.helper_started", pid=process.pid, threads=self.threads)

    def recognise(self, path: Path, max_pixels: int, timeout_s: float) -> dict[str, Any]:
        self.start()
        assert self._conn is not None
        try:
            self._conn.send((str(path), max_pixels))
            ready = self._conn.poll(timeout_s)
        except (OSError, EOFError):
            self.stop()
            raise EngineCrashed() from None
        if not ready:
            log.warning("ocr.timeout", pid=self.pid, timeout_s=timeout_s)
            self.stop()
            raise ExtractionTimedOut()
        try:
            kind, payload = self._conn.recv()
        except (OSError, EOFError):
            self.stop()
            raise EngineCrashed() from None
        if kind == "ok":
            return payload
        raise _failure(payload)

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=10)
            self._process = None


def _failure(reason: str) -> ExtractorFailed:
    from kenny_wa.extractors import ImageUndecodable

    for kind in (ImageUndecodable, ExtractionTimedOut, EngineCrashed):
        if reason == kind.status:
            return kind()
    return ExtractorFailed()


class Pool:
    """``size`` helpers shared by the worker's job threads; a job waits for a free one."""

    def __init__(self, size: int, timeout_s: float, max_pixels: int) -> None:
        if size < 1:
            raise ValueError("a pool has at least one helper")
        threads = max(1, (os.cpu_count() or 1) // size)
        self.helpers = [Helper(threads) for _ in range(size)]
        self.timeout_s = timeout_s
        self.max_pixels = max_pixels
        self._idle: queue.Queue[Helper] = queue.Queue()
        for helper in self.helpers:
            self._idle.put(helper)

    def start(self) -> None:
        """Load the models in every helper now (the worker does this before its first job)."""
        for helper in self.helpers:
            helper.start()

    def recognise(self, path: Path) -> dict[str, Any]:
        helper = self._idle.get()
        try:
            return helper.recognise(path, self.max_pixels, self.timeout_s)
        finally:
            self._idle.put(helper)

    def close(self) -> None:
        for helper in self.helpers:
            helper.stop()
