"""The pinned model files: found in the installed wheel, checked by SHA-256, never fetched."""

from __future__ import annotations

import shutil

import pytest

from kenny_wa import extractors
from kenny_wa.ocr import models


def test_the_installed_wheel_has_every_pinned_model():
    paths = models.verify()
    assert set(paths) == {"det", "cls", "rec"}
    for model in models.PINNED:
        assert models.file_sha256(paths[model.role]) == model.sha256


def test_a_missing_or_altered_model_refuses_with_exit_2(tmp_path):
    source = models.package_dir() / "models"
    for model in models.PINNED:
        shutil.copyfile(source / model.name, tmp_path / model.name)
    assert models.verify(tmp_path)["rec"] == tmp_path / "PP-OCRv6_rec_small.onnx"
    with (tmp_path / "PP-OCRv6_rec_small.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(models.OcrUnavailable) as info:
        models.verify(tmp_path)
    assert info.value.exit_code == 2
    assert "PP-OCRv6_rec_small.onnx" in str(info.value) and "never downloaded" in str(info.value)
    (tmp_path / "PP-OCRv6_det_small.onnx").unlink()
    with pytest.raises(models.OcrUnavailable, match="missing"):
        models.verify(tmp_path)


def test_identity_names_engine_and_models():
    info = models.identity()
    assert info["engine"] == "rapidocr" and info["engine_version"].startswith("3.")
    assert info["version"].startswith(info["engine_version"] + "+models.")
    assert {m["sha256"] for m in info["models"].values()} == {m.sha256 for m in models.PINNED}


def test_ocr_is_the_default_and_a_registered_name():
    from kenny_wa import ocr

    assert extractors.resolve_extractor(env={}, default=extractors.DEFAULT) is ocr.ocr_extractor
    assert extractors.resolve_extractor("ocr") is ocr.ocr_extractor
    assert "ocr" in extractors.registered_names()
    identity = extractors.identity_of(ocr.ocr_extractor)
    assert identity["extractor"] == "ocr"
    assert identity["extractor_version"] == models.identity()["version"]
    assert identity["models"]["rec"] == models.PINNED[2].sha256


def test_engine_refuses_any_download(monkeypatch):
    from kenny_wa.ocr import engine

    engine._block_downloads()
    from rapidocr.utils.download_file import DownloadFile, DownloadFileInput

    with pytest.raises(engine.DownloadRefused):
        DownloadFile.run(
            DownloadFileInput(
                file_url="https://example.invalid/model.onnx",
                save_path="/nonexistent/model.onnx",
                logger=None,
            )
        )
