"""Issue 14's "done when": after a sync of the ``default`` scenario, ``kenny-wa worker --once``
with ``IMAGE_PROCESSING_ENABLED=true`` and no extractor named gives every stored image a
``done`` extraction by the built-in ``ocr``; the images with drawn text read as the ground
truth says (mean character error rate <= 10 %), and each provenance names its message.

Real replica, Chromium, PostgreSQL, Procrastinate and OCR engine; the sync and the worker
are subprocesses, as deployed.
"""

from __future__ import annotations

import subprocess

import pytest
from faulthelpers import KENNY_WA, base_env, connect, cutoff_for, expected_messages, rig

from kenny_wa.ocr.metrics import character_error_rate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MAX_MEAN_CER = 0.10


def test_default_scenario_images_are_read_by_the_builtin_ocr(tmp_path, db_url):
    with rig("default", tmp_path, db_url, latency_ms=0) as r:
        truth = r.replica.ground_truth()
        # every chat read, badged ones too: this is about the images, not the unread policy
        synced = r.sync(timeout=170, WHATSAPP_UNREAD_CHATS="read")
        assert synced.code in (0, 3), synced.stderr[-3000:]  # 3: the phone-prompt chats, by design
        env = {**base_env(), **r.env, "IMAGE_PROCESSING_ENABLED": "true"}
        worker = subprocess.run(
            [*KENNY_WA, "worker", "--once"], env=env, capture_output=True, text=True, timeout=1800
        )
        assert worker.returncode == 0, worker.stderr[-3000:]

    want = expected_messages(truth, cutoff_for(), unread="read")
    with connect(db_url) as conn:
        stored = conn.execute(
            "SELECT a.id, a.extraction_status, m.external_id, m.thread_external_id, m.ts, a.checksum "
            "FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.status = 'stored'"
        ).fetchall()
        rows = {row["attachment_id"]: row for row in conn.execute("SELECT * FROM extractions").fetchall()}
    assert stored, "the default scenario stores images"
    assert {att["extraction_status"] for att in stored} == {"done"}
    assert set(rows) == {att["id"] for att in stored}

    rates = {}
    for att in stored:
        row = rows[att["id"]]
        assert (row["status"], row["extractor"]) == ("done", "ocr")
        provenance = row["provenance"]
        assert provenance["external_id"] == att["external_id"]
        assert provenance["thread_external_id"] == att["thread_external_id"]
        assert provenance["checksum"] == att["checksum"]
        assert provenance["message_ts"] == att["ts"].isoformat()
        drawn = want[att["external_id"]]["attachments"][0]["text"]
        if drawn:
            rates[att["external_id"]] = character_error_rate(drawn, row["result"]["text"])
    drawn_in_truth = [m for m in want.values() if m["attachments"] and m["attachments"][0].get("text")]
    assert len(rates) == len(drawn_in_truth) >= 5, "every image with drawn text was stored and read"
    mean = sum(rates.values()) / len(rates)
    assert mean <= MAX_MEAN_CER, rates
