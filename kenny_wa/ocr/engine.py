"""The OCR engine proper: rapidocr on the pinned models, one image in, one result out.

Imported only in the OCR helper process (see runner.py): importing rapidocr loads OpenCV
and ONNX Runtime, which the rest of kenny-wa never needs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kenny_wa.extractors import ImageUndecodable
from kenny_wa.ocr import layout, models

# Lines below this recognition confidence are dropped (rapidocr's own default).
MIN_CONFIDENCE = 0.5


class DownloadRefused(RuntimeError):
    """rapidocr tried to download a file; kenny-wa never lets it."""


def _refuse_download(cls, *args: Any, **kwargs: Any) -> None:
    raise DownloadRefused()


def _block_downloads() -> None:
    # Belt and braces: with explicit model paths rapidocr has nothing to fetch, but any code
    # path that would (a dictionary, a font) fails here instead of reaching the network.
    from rapidocr.utils import download_file

    download_file.DownloadFile.run = classmethod(_refuse_download)


class Engine:
    """rapidocr with the three pinned models loaded (once, in the constructor)."""

    def __init__(self, threads: int = 0) -> None:
        paths = models.verify()
        _block_downloads()
        from rapidocr import RapidOCR

        threads_cfg = {"EngineConfig.onnxruntime.intra_op_num_threads": threads} if threads > 0 else {}
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "critical",
                "Global.text_score": MIN_CONFIDENCE,
                "Det.model_path": str(paths["det"]),
                "Cls.model_path": str(paths["cls"]),
                "Rec.model_path": str(paths["rec"]),
                **threads_cfg,
            }
        )
        # rapidocr loads each model on first use; a worker loads them now, not in a job
        self._ocr._load_det_model()
        self._ocr._load_cls_model()
        self._ocr._load_rec_model()
        self.identity = models.identity()

    def recognise(self, path: Path, max_pixels: int) -> dict[str, Any]:
        """The result dict of one image (see kenny_wa/ocr/__init__.py for its shape)."""
        started = time.perf_counter()
        pixels, size, image_format = decode(path, max_pixels)
        output = self._ocr(pixels)
        lines = []
        for box, text, score in zip(
            output.boxes if output.boxes is not None else (),
            output.txts or (),
            output.scores or (),
            strict=False,
        ):
            lines.append(
                {
                    "text": text,
                    "box": [[round(float(x), 1), round(float(y), 1)] for x, y in box],
                    "confidence": round(float(score), 4),
                }
            )
        grouped = layout.rows(lines)
        ordered = layout.reading_order(grouped)
        for line in ordered:
            line["scripts"] = layout.scripts(line["text"])
        full_text = layout.text(grouped)
        return {
            "text": full_text,
            "lines": ordered,
            "scripts": layout.scripts(full_text),
            "engine": {
                key: self.identity[key]
                for key in ("engine", "engine_version", "runtime", "models", "model_languages")
            },
            "image": {"width": size[0], "height": size[1], "format": image_format},
            "elapsed_ms": round((time.perf_counter() - started) * 1000),
            # detection, direction classifier, recognition (what a slow image spent its time on)
            "stage_ms": dict(zip(("det", "cls", "rec"), _stage_ms(output), strict=False)),
        }


def _stage_ms(output: Any) -> list[int | None]:
    return [None if t is None else round(t * 1000) for t in getattr(output, "elapse_list", None) or ()]


def decode(path: Path, max_pixels: int):
    """(BGR pixel array, (width, height), format) of the file; raises ImageUndecodable."""
    import numpy as np
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                raise ImageUndecodable("the image has more pixels than IMAGE_MAX_PIXELS allows")
            image_format = image.format
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except ImageUndecodable:
        raise
    except Exception as exc:  # Pillow raises many types on bad bytes; all mean "cannot decode"
        raise ImageUndecodable() from exc
    return np.asarray(upright)[:, :, ::-1].copy(), upright.size, image_format
