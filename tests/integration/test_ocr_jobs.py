"""The built-in ``ocr`` extractor in the extraction jobs: real PostgreSQL, real Procrastinate,
the real engine (rapidocr on the pinned models) and, for the two-worker test, two real
``kenny-wa worker --once`` processes on one database.

The images are the replica's text images (kenny_wa/replica/text_images.py), whose drawn
text is known.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from PIL import Image, ImageDraw
from psycopg.rows import dict_row

from benchmarks.common import add_stored_image
from kenny_wa import jobs, media, ocr, store
from kenny_wa.config import load_settings
from kenny_wa.extractors import ExtractionTimedOut
from kenny_wa.ocr import models
from kenny_wa.ocr.metrics import character_error_rate
from kenny_wa.replica import text_images

pytestmark = pytest.mark.slow

KENNY_WA = [sys.executable, "-m", "kenny_wa.cli"]
_SCRUB = ("PG_URL", "ATTACHMENTS_DIR", "WHATSAPP_", "KENNY_WA_", "IMAGE_", "PREFECT_API_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in (
        "KENNY_WA_EXTRACTOR",
        "KENNY_WA_PG_URL",
        "PG_URL",
        "KENNY_WA_OCR_TIMEOUT_SECONDS",
        "KENNY_WA_WORKER_CONCURRENCY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    yield
    ocr.shutdown()


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, row_factory=dict_row)


def add_image(
    conn: psycopg.Connection, tmp_path: Path, external_id: str, data: bytes, thread: str = "15550100201@c.us"
) -> int:
    """A message with a stored image attachment (``data`` must be a valid image)."""
    return add_stored_image(conn, _message(conn, external_id, thread), data, tmp_path / "att")


def add_raw_file(conn: psycopg.Connection, tmp_path: Path, external_id: str, data: bytes) -> int:
    """A stored attachment whose bytes are not an image (a file changed type on disk)."""
    message_id = _message(conn, external_id, "15550100201@c.us")
    path = tmp_path / f"{external_id}.jpg"
    path.write_bytes(data)
    return store.upsert_attachment(
        conn,
        message_id,
        media_type="image/jpeg",
        file_path=str(path),
        checksum=media.sha256_hex(data),
        size_bytes=len(data),
        width=10,
        height=10,
        status="stored",
        reason=None,
    ).attachment_id


def _message(conn: psycopg.Connection, external_id: str, thread: str) -> int:
    return conn.execute(
        """INSERT INTO messages (platform, external_id, thread_external_id, sender_id, ts,
                                 is_outgoing, source_app, has_attachments)
           VALUES ('whatsapp', %s, %s, 'Ana Costa', %s, false, 'WhatsApp Web', true)
           RETURNING id""",
        (external_id, thread, dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)),
    ).fetchone()["id"]


def extractions(url: str) -> dict[int, dict]:
    with connect(url) as conn:
        rows = conn.execute("SELECT * FROM extractions ORDER BY id").fetchall()
    return {row["attachment_id"]: row for row in rows}


def statuses(url: str) -> dict[int, str]:
    with connect(url) as conn:
        rows = conn.execute("SELECT id, extraction_status FROM attachments").fetchall()
    return {row["id"]: row["extraction_status"] for row in rows}


def dense_page(lines: int = 90) -> bytes:
    """A page of small text large enough that no CPU reads it within one second."""
    img = Image.new("RGB", (2000, 2000), "white")
    draw = ImageDraw.Draw(img)
    font = text_images.font("sans", 16)
    for i in range(lines):
        draw.text(
            (20, 10 + i * 22),
            " ".join(text_images.CHAT_LINES[(i + k) % 12] for k in range(4)),
            font=font,
            fill="black",
        )
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def work(url: str, **settings) -> None:
    jobs.run_worker(
        load_settings(pg_url=url, **settings),
        queues=("extraction",),
        wait=False,
        install_signal_handlers=False,
    )


def test_toggle_on_with_nothing_named_runs_ocr_with_provenance(db_url, tmp_path):
    with connect(db_url) as conn:
        receipt = add_image(conn, tmp_path, "3EB0A1B2C3D4E5F6A7B8", text_images.render("receipt", 11))
        zh = add_image(conn, tmp_path, "3EB0A1B2C3D4E5F6A7B9", text_images.render("sign_zh", 2))
        jobs.defer_extractions(conn, [receipt, zh])
        conn.commit()
        checksum = conn.execute("SELECT checksum FROM attachments WHERE id = %s", (receipt,)).fetchone()[
            "checksum"
        ]
    work(db_url)
    rows = extractions(db_url)
    assert statuses(db_url) == {receipt: "done", zh: "done"}
    row = rows[receipt]
    identity = models.identity()
    assert (row["status"], row["extractor"], row["extractor_version"]) == ("done", "ocr", identity["version"])
    assert row["provenance"] == {
        "thread_external_id": "15550100201@c.us",
        "external_id": "3EB0A1B2C3D4E5F6A7B8",
        "message_ts": "2026-11-03T09:30:00+00:00",
        "checksum": checksum,
        "extractor": "ocr",
        "extractor_version": identity["version"],
        "engine": "rapidocr",
        "engine_version": identity["engine_version"],
        "models": {m.role: m.sha256 for m in models.PINNED},
    }
    result = row["result"]
    assert character_error_rate(text_images.drawn_text("receipt", 11), result["text"]) <= 0.05
    assert result["image"] == {"width": 480, "height": 720, "format": "JPEG"}
    assert result["engine"]["models"]["det"]["sha256"] == models.PINNED[0].sha256
    assert result["elapsed_ms"] > 0 and result["scripts"] == ["Latin"]
    assert set(result["stage_ms"]) == {"det", "cls", "rec"}
    for line in result["lines"]:
        assert len(line["box"]) == 4 and 0 < line["confidence"] <= 1 and line["text"]
    assert "\n".join(line["text"] for line in result["lines"][:1]) == result["text"].splitlines()[0]
    zh_result = rows[zh]["result"]
    assert "Han" in zh_result["scripts"]
    assert character_error_rate(text_images.drawn_text("sign_zh", 2), zh_result["text"]) <= 0.10


def test_same_bytes_are_recognised_once_and_bad_files_fail_with_a_reason(db_url, tmp_path):
    photo = text_images.render("sign", 4)
    with connect(db_url) as conn:
        first = add_image(conn, tmp_path, "MSGFWD1", photo, "15550100201@c.us")
        forwarded = [add_image(conn, tmp_path, f"MSGFWD{n}", photo, f"1203630000{n}@g.us") for n in (2, 3)]
        broken = add_raw_file(conn, tmp_path, "MSGBAD", b"\xff\xd8\xff\xe0 not really a jpeg")
        after = add_image(conn, tmp_path, "MSGAFTER", text_images.render("article", 5))
        jobs.defer_extractions(conn, [first, *forwarded, broken, after])
        conn.commit()
    work(db_url)
    rows = extractions(db_url)
    assert statuses(db_url) == {
        first: "done",
        forwarded[0]: "done",
        forwarded[1]: "done",
        broken: "failed",
        after: "done",
    }
    assert (rows[broken]["status"], rows[broken]["error"], rows[broken]["result"]) == (
        "failed",
        "image_undecodable",
        None,
    )
    # the photo forwarded into three chats: recognised for the first, copied for the others
    assert "result_of_attachment_id" not in rows[first]["provenance"]
    for attachment in forwarded:
        assert rows[attachment]["provenance"]["result_of_attachment_id"] == first
        assert rows[attachment]["result"] == rows[first]["result"]
        assert rows[attachment]["provenance"]["external_id"] != rows[first]["provenance"]["external_id"]
    assert character_error_rate(text_images.drawn_text("sign", 4), rows[first]["result"]["text"]) <= 0.12
    with connect(db_url) as conn:
        states = conn.execute("SELECT status::text AS s FROM procrastinate_jobs").fetchall()
    assert {s["s"] for s in states} == {"succeeded"}


def test_an_image_over_the_time_limit_fails_and_the_next_one_is_read(db_url, tmp_path):
    with connect(db_url) as conn:
        slow = add_image(conn, tmp_path, "MSGSLOW", dense_page())
        jobs.defer_extractions(conn, [slow])
        conn.commit()
    work(db_url, ocr_timeout_seconds=1)
    row = extractions(db_url)[slow]
    assert (row["status"], row["error"]) == ("failed", "extraction_timeout")
    assert statuses(db_url)[slow] == "failed"

    pool = ocr.configure(concurrency=1, timeout_s=1, max_pixels=40_000_000)
    helper = pool.helpers[0]
    first_pid = helper.pid
    with pytest.raises(ExtractionTimedOut):
        pool.recognise(Path(_file_of(db_url, slow)))
    pool.timeout_s = 300
    sign = tmp_path / "sign.jpg"
    sign.write_bytes(text_images.render("sign", 9))
    assert pool.recognise(sign)["text"]
    assert helper.starts == 2 and helper.pid != first_pid  # killed once, started once again
    assert pool.recognise(sign)["text"] and helper.starts == 2  # and kept loaded


def _file_of(url: str, attachment_id: int) -> str:
    with connect(url) as conn:
        return conn.execute("SELECT file_path FROM attachments WHERE id = %s", (attachment_id,)).fetchone()[
            "file_path"
        ]


def test_the_models_load_once_per_worker_process(tmp_path):
    pool = ocr.configure(concurrency=1, timeout_s=300, max_pixels=40_000_000)
    helper = pool.helpers[0]
    pid = helper.pid
    assert pid is not None and helper.starts == 1  # loaded before the first image
    for style in ("chat", "article", "sign"):
        path = tmp_path / style
        path.write_bytes(text_images.render(style, 1))
        pool.recognise(path)
    assert (helper.pid, helper.starts) == (pid, 1)


def test_an_image_over_the_pixel_cap_is_undecodable(tmp_path):
    pool = ocr.configure(concurrency=1, timeout_s=300, max_pixels=1000)
    path = tmp_path / "chat.png"
    path.write_bytes(text_images.render("chat", 1))
    with pytest.raises(Exception) as info:
        pool.recognise(path)
    assert getattr(info.value, "status", None) == "image_undecodable"


def subprocess_env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env.update(
        {
            "PG_URL": db_url,
            "KENNY_WA_STATE_DIR": str(tmp_path / "state"),
            "IMAGE_PROCESSING_ENABLED": "true",
            "KENNY_WA_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def test_worker_refuses_an_unknown_extractor_with_one_line(db_url, tmp_path):
    env = subprocess_env(db_url, tmp_path, KENNY_WA_EXTRACTOR="tesseract-please")
    done = subprocess.run(
        [*KENNY_WA, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("kenny-wa: KENNY_WA_EXTRACTOR='tesseract-please' is invalid")
    assert "dimensions, ocr" in line


def test_two_worker_processes_run_every_job_exactly_once(db_url, tmp_path):
    images = [("chat", 21), ("article", 22), ("sign", 23), ("receipt", 24), ("sign_zh", 25), ("chat", 26)]
    with connect(db_url) as conn:
        ids = [
            add_image(conn, tmp_path, f"MSGTWO{n}", text_images.render(style, seed))
            for n, (style, seed) in enumerate(images)
        ]
        # the same photo in two more chats: recognised once, across both processes
        ids += [
            add_image(conn, tmp_path, f"MSGTWOFWD{n}", text_images.render("sign", 23), f"12036300007{n}@g.us")
            for n in range(2)
        ]
        jobs.defer_extractions(conn, ids)
        conn.commit()
    env = subprocess_env(db_url, tmp_path, KENNY_WA_LOG_LEVEL="DEBUG")
    workers = [
        subprocess.Popen(
            [*KENNY_WA, "worker", "--once", "--queues", "extraction"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=900) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _out, err in outputs]

    handled: list[set[int]] = []
    for out, err in outputs:
        events = [json.loads(line) for line in (out + err).splitlines() if line.startswith("{")]
        handled.append({e["attachment_id"] for e in events if e.get("event") == "extraction.finished"})
    assert handled[0] | handled[1] == set(ids)
    assert not handled[0] & handled[1]
    # even at DEBUG, no recognised text reaches the logs
    drawn = {row for style, seed in images for row in text_images.drawn_text(style, seed).splitlines()}
    leaked = [row for row in drawn if len(row) >= 5 and any(row in out + err for out, err in outputs)]
    assert not leaked, leaked[:3]

    with connect(db_url) as conn:
        jobs_ = conn.execute(
            "SELECT id, status::text AS status FROM procrastinate_jobs WHERE task_name = %s",
            (jobs.EXTRACT_TASK,),
        ).fetchall()
        starts = conn.execute(
            "SELECT e.job_id, count(*) AS n FROM procrastinate_events e JOIN procrastinate_jobs j "
            "ON j.id = e.job_id WHERE e.type = 'started' AND j.task_name = %s GROUP BY e.job_id",
            (jobs.EXTRACT_TASK,),
        ).fetchall()
    assert len(jobs_) == len(ids) and {j["status"] for j in jobs_} == {"succeeded"}
    assert {s["n"] for s in starts} == {1} and len(starts) == len(ids)
    rows = extractions(db_url)
    assert set(rows) == set(ids) and {r["status"] for r in rows.values()} == {"done"}
    by_checksum: dict[str, list[dict]] = {}
    for row in rows.values():
        by_checksum.setdefault(row["provenance"]["checksum"], []).append(row)
    for group in by_checksum.values():
        recognised = [r for r in group if "result_of_attachment_id" not in r["provenance"]]
        assert len(recognised) == 1
    for n, (style, seed) in enumerate(images):
        got = rows[ids[n]]["result"]["text"]
        assert character_error_rate(text_images.drawn_text(style, seed), got) <= 0.12, style
