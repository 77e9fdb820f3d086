"""Extractor registry: what turns a stored image into an ``extractions`` row.

An extractor is any callable
``(path: Path, media_type: str) -> ExtractorResult``; it reads the file, returns a name, a
version and a JSON-serialisable ``result`` dict, and raises on failure. It must be a pure
function of the file (the job may run it more than once).

``KENNY_WA_EXTRACTOR`` selects one, either as a registered name (``register(name, fn)``,
e.g. from a plugin imported before the worker starts) or as ``package.module:callable``,
imported when the job runs (never at kenny-wa import time). Unset means the ``default``
the caller passes (the jobs pass ``ocr``); with no default ``resolve_extractor`` raises
``ExtractorNotConfigured``, a fixed message naming the variable.

Built-in extractors: ``ocr`` (kenny_wa/ocr: local text recognition, imported on first use)
and ``dimensions`` (Pillow: format, width, height, mode; for smoke tests and as an example).

An extractor may carry an ``identity()`` attribute returning ``{"extractor": name,
"extractor_version": version, ...}`` without running: the jobs then reuse a result already
recorded for the same bytes (same checksum) instead of recognising them again, and put the
identity into the provenance.

A failure the extractor can name raises a subclass of ``ExtractorFailed`` whose ``status``
is the fixed reason recorded in ``extractions.error`` (``image_undecodable``,
``extraction_timeout``, ...); anything else is recorded as ``extractor_failed``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kenny_wa.config import load_settings
from kenny_wa.errors import ConfigError, KennyWaError

ENV_VAR = "KENNY_WA_EXTRACTOR"


@dataclasses.dataclass(frozen=True, slots=True)
class ExtractorResult:
    """The output of one extractor run."""

    name: str
    version: str
    result: dict[str, Any]


Extractor = Callable[[Path, str], ExtractorResult]


class ExtractorNotConfigured(KennyWaError, status="extractor_not_configured", exit_code=2):
    """Image processing is on but KENNY_WA_EXTRACTOR is unset (extractor name or module:fn)."""


class ExtractorFailed(KennyWaError, status="extractor_failed"):
    """The extractor failed on an attachment."""


class ImageUndecodable(ExtractorFailed, status="image_undecodable"):
    """The stored file could not be decoded as an image."""


class ExtractionTimedOut(ExtractorFailed, status="extraction_timeout"):
    """The extractor ran out of time on this image (KENNY_WA_OCR_TIMEOUT_SECONDS)."""


_REGISTRY: dict[str, Extractor] = {}
# Built-in extractors registered by their module when first named (heavy imports stay lazy).
_BUILTIN_MODULES = {"ocr": "kenny_wa.ocr"}
DEFAULT = "ocr"


def register(name: str, extractor: Extractor) -> Extractor:
    """Register ``extractor`` under ``name`` (usable as ``KENNY_WA_EXTRACTOR=name``)."""
    if not name or ":" in name:
        raise ValueError("extractor names are non-empty and contain no ':'")
    _REGISTRY[name] = extractor
    return extractor


def registered() -> dict[str, Extractor]:
    """A copy of the registry."""
    return dict(_REGISTRY)


def registered_names() -> list[str]:
    """Every name ``KENNY_WA_EXTRACTOR`` accepts, built-ins included (nothing is imported)."""
    return sorted(set(_REGISTRY) | set(_BUILTIN_MODULES))


def resolve_extractor(
    spec: str | None = None, env: Mapping[str, str] | None = None, *, default: str | None = None
) -> Extractor:
    """The extractor named by ``spec`` or ``$KENNY_WA_EXTRACTOR`` (else ``default``), read now.

    Raises ``ExtractorNotConfigured`` when unset without a default and ``ConfigError`` when
    it names nothing registered, importable or callable.
    """
    if spec is None:
        spec = load_settings(env).extractor or ""
    spec = spec.strip() or (default or "")
    if not spec:
        raise ExtractorNotConfigured()
    if spec not in _REGISTRY and spec in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[spec])
    if spec in _REGISTRY:
        return _REGISTRY[spec]
    names = ", ".join(registered_names())
    expected = f"a registered extractor name ({names}) or module:callable"
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(ENV_VAR, expected, spec)
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        raise ConfigError(ENV_VAR, expected, spec) from None
    if not callable(target):
        raise ConfigError(ENV_VAR, expected, spec)
    return target


def run_extractor(extractor: Extractor, path: Path, media_type: str) -> ExtractorResult:
    """Call ``extractor`` and check its output; wrap any failure in ``ExtractorFailed``.

    The original exception is chained (``__cause__``) for debugging but its text is not
    copied into the message, since an extractor may echo image content.
    """
    try:
        outcome = extractor(Path(path), media_type)
    except ExtractorFailed:
        raise
    except Exception as exc:
        raise ExtractorFailed() from exc
    if not isinstance(outcome, ExtractorResult) or not isinstance(outcome.result, dict):
        raise ExtractorFailed("the extractor returned something other than an ExtractorResult")
    return outcome


def identity_of(extractor: Extractor) -> dict[str, Any] | None:
    """The extractor's ``identity()`` when it declares one (see the module docstring)."""
    declared = getattr(extractor, "identity", None)
    return dict(declared()) if callable(declared) else None


def dimensions_extractor(path: Path, media_type: str) -> ExtractorResult:
    """Built-in example: the image's format, size and mode (no OCR)."""
    from PIL import Image

    with Image.open(path) as image:
        result = {
            "format": image.format,
            "width": image.width,
            "height": image.height,
            "mode": image.mode,
            "media_type": media_type,
        }
    return ExtractorResult(name="dimensions", version="1", result=result)


dimensions_extractor.identity = lambda: {  # type: ignore[attr-defined]
    "extractor": "dimensions", "extractor_version": "1"}
register("dimensions", dimensions_extractor)
