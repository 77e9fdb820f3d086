"""The pinned engine and model files: found inside the installed rapidocr wheel, never fetched.

rapidocr downloads a model whenever the configuration names one that is not in its wheel
(another language family, another size, another OCR version). kenny-wa therefore passes an
explicit path for each of the three models below and checks each file's SHA-256 before the
engine is built; a missing or different file refuses to start (exit 2), it is never
"repaired" by a download.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

from kenny_wa.errors import KennyWaError

ENGINE = "rapidocr"
RUNTIME = "onnxruntime"


@dataclasses.dataclass(frozen=True, slots=True)
class ModelFile:
    role: str  # det | cls | rec, the rapidocr config section it goes to
    name: str
    sha256: str


PINNED: tuple[ModelFile, ...] = (
    ModelFile(
        "det", "PP-OCRv6_det_small.onnx", "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"
    ),
    ModelFile(
        "cls",
        "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    ),
    ModelFile(
        "rec", "PP-OCRv6_rec_small.onnx", "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"
    ),
)
#: What the pinned recognition model reads (rapidocr's PP-OCRv6 "multi" model).
MODEL_LANGUAGES = "Chinese (simplified and traditional), Japanese, English and Latin-script languages"


class OcrUnavailable(KennyWaError):
    """The built-in OCR engine is not installed: install kenny-wa with its `ocr` extra."""

    status = "ocr_unavailable"
    exit_code = 2


def package_dir() -> Path:
    """rapidocr's installed directory, found without importing it (that loads OpenCV)."""
    spec = importlib.util.find_spec(ENGINE)
    if spec is None or not spec.submodule_search_locations:
        raise OcrUnavailable()
    return Path(next(iter(spec.submodule_search_locations)))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(models_dir: Path | None = None) -> dict[str, Path]:
    """role -> path of each pinned model, after checking its SHA-256; raises OcrUnavailable."""
    directory = models_dir or package_dir() / "models"
    paths: dict[str, Path] = {}
    for model in PINNED:
        path = directory / model.name
        if not path.is_file():
            raise OcrUnavailable(
                f"OCR model {model.name} is missing from the {ENGINE} package: reinstall "
                "kenny-wa's locked dependencies (models are never downloaded)"
            )
        if file_sha256(path) != model.sha256:
            raise OcrUnavailable(
                f"OCR model {model.name} does not match its pinned SHA-256: reinstall "
                "kenny-wa's locked dependencies (models are never downloaded)"
            )
        paths[model.role] = path
    return paths


@functools.cache
def identity() -> dict[str, object]:
    """Who recognises the text: engine, runtime and model digests (no file is read)."""
    try:
        engine_version = importlib.metadata.version(ENGINE)
        runtime_version = importlib.metadata.version(RUNTIME)
    except importlib.metadata.PackageNotFoundError:
        raise OcrUnavailable() from None
    models = {m.role: {"file": m.name, "sha256": m.sha256} for m in PINNED}
    combined = hashlib.sha256("".join(m.sha256 for m in PINNED).encode()).hexdigest()
    return {
        "engine": ENGINE,
        "engine_version": engine_version,
        "runtime": f"{RUNTIME} {runtime_version}",
        "models": models,
        "model_languages": MODEL_LANGUAGES,
        # extractions are keyed by this: another engine release or model set is another result
        "version": f"{engine_version}+models.{combined[:12]}",
    }
