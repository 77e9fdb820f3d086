"""The built-in ``ocr`` extractor: local text recognition, nothing downloaded.

rapidocr 3.x (Apache-2.0) on ONNX Runtime with the PP-OCRv6 small detection and
recognition models and the text-direction classifier that ship inside its wheel
(models.py pins their SHA-256). It reads Chinese, Japanese, English and Latin-script text.

The result of one image (``extractions.result``)::

    {"text": "rows of text in reading order, one per line",
     "lines": [{"text", "box": [[x, y] x4], "confidence", "scripts": ["Latin", ...]}, ...],
     "scripts": ["Latin", "Han"],          # from the recognised characters, most first
     "engine": {"engine", "engine_version", "runtime", "models": {role: {file, sha256}},
                "model_languages"},
     "image": {"width", "height", "format"},
     "elapsed_ms": 1234,
     "stage_ms": {"det": 600, "cls": 40, "rec": 500}}   # where the time went

The engine has no language detector: ``scripts`` is computed from the Unicode names of the
recognised letters. The engine runs in helper processes (runner.py) so that a per-image
time limit can be enforced; ``configure`` sizes the pool, else the first image does it from
the environment's settings.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kenny_wa.extractors import ExtractorResult, register
from kenny_wa.ocr import models
from kenny_wa.ocr.models import OcrUnavailable
from kenny_wa.ocr.runner import Pool

NAME = "ocr"

_pool: Pool | None = None
_pool_lock = threading.Lock()

__all__ = ["NAME", "OcrUnavailable", "configure", "identity", "ocr_extractor", "shutdown"]


def configure(*, concurrency: int, timeout_s: float, max_pixels: int, preload: bool = True) -> Pool:
    """Create this process's helper pool (replacing any), loading the models if ``preload``.

    Raises ``OcrUnavailable`` (exit 2) when the engine or a pinned model is missing or wrong.
    """
    global _pool
    models.verify()
    models.identity()
    with _pool_lock:
        if _pool is not None:
            _pool.close()
        _pool = Pool(concurrency, timeout_s, max_pixels)
    if preload:
        _pool.start()
    return _pool


def shutdown() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None


def _current_pool() -> Pool:
    """The configured pool, else one sized from the environment's settings (first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from kenny_wa.config import load_settings

            settings = load_settings()
            models.verify()
            _pool = Pool(settings.worker_concurrency, settings.ocr_timeout_seconds, settings.image_max_pixels)
        return _pool


def identity() -> dict[str, Any]:
    """The extractor's identity as provenance records it (no model is loaded)."""
    info = models.identity()
    return {
        "extractor": NAME,
        "extractor_version": info["version"],
        "engine": info["engine"],
        "engine_version": info["engine_version"],
        "models": {role: m["sha256"] for role, m in info["models"].items()},
    }


def ocr_extractor(path: Path, media_type: str) -> ExtractorResult:
    """Recognise the text of one stored image (see the module docstring for the result)."""
    result = _current_pool().recognise(Path(path))
    return ExtractorResult(name=NAME, version=models.identity()["version"], result=result)


ocr_extractor.extractor_name = NAME  # type: ignore[attr-defined]
ocr_extractor.identity = identity  # type: ignore[attr-defined]
register(NAME, ocr_extractor)
