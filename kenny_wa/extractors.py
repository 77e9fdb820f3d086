"""Extractor registry: what turns a stored image into an ``extractions`` row.

kenny-wa ships no OCR/vision model. An extractor is any callable
``(path: Path, media_type: str) -> ExtractorResult``; it reads the file, returns a name, a
version and a JSON-serialisable ``result`` dict, and raises on failure. It must be a pure
function of the file (the job may run it more than once).

``KENNY_WA_EXTRACTOR`` selects one, either as a registered name (``register(name, fn)``,
e.g. from a plugin imported before the worker starts) or as ``package.module:callable``,
imported when the job runs (never at kenny-wa import time). Unset means "no extractor":
``resolve_extractor`` then raises ``ExtractorNotConfigured``, a fixed message naming the
variable.

The built-in ``dimensions`` extractor (Pillow: format, width, height, mode) exists for
smoke tests and as an example; it is not an OCR.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kenny_wa.errors import ConfigError, KennyWaError

ENV_VAR = "KENNY_WA_EXTRACTOR"


@dataclasses.dataclass(frozen=True, slots=True)
class ExtractorResult:
    """The output of one extractor run."""

    name: str
    version: str
    result: dict[str, Any]


Extractor = Callable[[Path, str], ExtractorResult]


class ExtractorNotConfigured(KennyWaError):
    """Image processing is on but KENNY_WA_EXTRACTOR is unset (extractor name or module:fn)."""

    status = "extractor_not_configured"
    exit_code = 2


class ExtractorFailed(KennyWaError):
    """The extractor failed on an attachment."""

    status = "extractor_failed"


_REGISTRY: dict[str, Extractor] = {}


def register(name: str, extractor: Extractor) -> Extractor:
    """Register ``extractor`` under ``name`` (usable as ``KENNY_WA_EXTRACTOR=name``)."""
    if not name or ":" in name:
        raise ValueError("extractor names are non-empty and contain no ':'")
    _REGISTRY[name] = extractor
    return extractor


def registered() -> dict[str, Extractor]:
    """A copy of the registry."""
    return dict(_REGISTRY)


def resolve_extractor(spec: str | None = None, env: Mapping[str, str] | None = None) -> Extractor:
    """The extractor named by ``spec`` or ``$KENNY_WA_EXTRACTOR``, read now (not at import).

    Raises ``ExtractorNotConfigured`` when unset and ``ConfigError`` when it names nothing
    importable or callable.
    """
    if spec is None:
        spec = (os.environ if env is None else env).get(ENV_VAR, "")
    spec = spec.strip()
    if not spec:
        raise ExtractorNotConfigured()
    if spec in _REGISTRY:
        return _REGISTRY[spec]
    names = ", ".join(sorted(_REGISTRY))
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
    except Exception as exc:
        raise ExtractorFailed() from exc
    if not isinstance(outcome, ExtractorResult) or not isinstance(outcome.result, dict):
        raise ExtractorFailed("the extractor returned something other than an ExtractorResult")
    return outcome


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


register("dimensions", dimensions_extractor)
