"""The OCR benchmark's pure parts: per-class summary, targets, the report rows."""

from __future__ import annotations

from benchmarks import ocr, report


def test_image_set_alternates_styles_and_counts_each_class():
    items = ocr.image_set(4, 5)
    assert [c for c, _s, _n in items].count("screenshot") == 4
    assert {s for c, s, _n in items if c == "photo"} == {"receipt", "sign", "sign_zh", "page_photo"}
    assert len(set(items)) == len(items)


def test_summary_and_targets_with_tesseract_missing():
    rows = [
        {"class": "screenshot", "style": "chat", "seed": 1, "seconds": 1.0, "cer": 0.0},
        {"class": "screenshot", "style": "article", "seed": 2, "seconds": 3.0, "cer": 0.04},
        {"class": "photo", "style": "sign", "seed": 1, "seconds": 2.0, "cer": 0.1},
    ]
    summary = ocr.summarise(rows, wall_s=6.0)
    assert summary["images_per_s"] == 0.5
    assert summary["screenshot"]["mean_cer"] == 0.02 and summary["photo"]["mean_cer"] == 0.1
    assert summary["by_style"] == {"article": 0.04, "chat": 0.0, "sign": 0.1}
    engine = {
        **summary,
        "engine": {"engine": "rapidocr", "engine_version": "3.10.0"},
        "model_load_s": 2,
        "helper_rss_peak_mb": 400,
        "cpu_bound_images_per_s": 0.9,
        "cpu_s_per_image": 2.2,
        "threads": 2,
    }
    backlog = {
        "jobs": 10,
        "distinct_images": 2,
        "worker_exit": 0,
        "jobs_left": 0,
        "extractions": {"done": 10},
        "drain_s": 5,
        "jobs_per_s": 2,
        "recognised": 2,
        "reused": 8,
        "worker_tree_rss_peak_mb": 500,
    }
    results = {
        "ocr": {
            "set": {"screenshots": 2, "photos": 1},
            "ocr": engine,
            "tesseract": {"available": False, "reason": "tesseract not installed"},
        },
        "ocr_backlog": backlog,
    }
    targets = report.evaluate_targets(results)
    assert targets["ocr_cer_screenshots"]["met"] is True
    assert targets["ocr_cer_photos"]["met"] is True
    assert targets["ocr_rate"]["met"] is True and targets["ocr_rate_cpu_bound"]["met"] is True
    assert targets["ocr_backlog"]["met"] is True
    text = " ".join(" ".join(row) for row in report.rows_for(results))
    assert "tesseract not installed" in text and "recognised 2, reused 8" in text
    results["ocr_backlog"] = {**backlog, "jobs_left": 3}
    assert report.evaluate_targets(results)["ocr_backlog"]["met"] is False
