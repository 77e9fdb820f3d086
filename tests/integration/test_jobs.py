"""Procrastinate jobs against a real PostgreSQL and a real worker (``wait=False``).

Each test gets a fresh database migrated with kenny-wa's migrations (which also install
Procrastinate's schema). The server comes from ``$KENNY_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); the tests are skipped when it is down.
TODO(lead): switch ``jobs_db`` to the shared per-test database fixture of tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from kenny_wa import extractors, jobs, media, store
from kenny_wa.config import load_settings
from kenny_wa.errors import ConfigError


@pytest.fixture
def jobs_db(db_url: str) -> str:
    """A migrated database of its own (cloned from the session template, see conftest)."""
    return db_url


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ("IMAGE_PROCESSING_ENABLED", "KENNY_WA_EXTRACTOR", "KENNY_WA_PG_URL", "PG_URL"):
        monkeypatch.delenv(var, raising=False)


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, row_factory=dict_row)


def png(color=(10, 200, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, format="PNG")
    return buffer.getvalue()


def add_attachment(conn: psycopg.Connection, tmp_path: Path, n: int, *, stored=True) -> int:
    """A message with an image attachment (stored on disk unless ``stored`` is False)."""
    message_id = conn.execute(
        """INSERT INTO messages (platform, external_id, thread_external_id, sender_id, ts,
                                 is_outgoing, source_app, has_attachments)
           VALUES ('whatsapp', %s, '120363@g.us', 'Alice', %s, false, 'WhatsApp Web', true)
           RETURNING id""",
        (f"MSG{n}", dt.datetime(2026, 5, 1, tzinfo=dt.UTC)),
    ).fetchone()["id"]
    if not stored:
        return store.upsert_attachment(
            conn, message_id, media_type=None, file_path=None, checksum=None, size_bytes=None,
            width=None, height=None, status="metadata_only", reason="not_downloaded",
        ).attachment_id
    image = media.store_image(png((n % 256, 0, 0)), tmp_path / "att", max_pixels=1_000_000)
    return store.upsert_attachment(
        conn, message_id, media_type=image.media_type, file_path=image.file_path,
        checksum=image.checksum, size_bytes=image.size_bytes, width=image.width,
        height=image.height, status="stored", reason=None,
    ).attachment_id


def job_rows(url: str, task: str | None = None) -> list[dict]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT id, task_name, queue_name, queueing_lock, args, status::text AS status "
            "FROM procrastinate_jobs ORDER BY id"
        ).fetchall()
    return [r for r in rows if task is None or r["task_name"] == task]


def attachment_status(url: str, attachment_id: int) -> str:
    with connect(url) as conn:
        return conn.execute(
            "SELECT extraction_status FROM attachments WHERE id = %s", (attachment_id,)
        ).fetchone()["extraction_status"]


def extraction_rows(url: str) -> list[dict]:
    with connect(url) as conn:
        return conn.execute("SELECT * FROM extractions ORDER BY id").fetchall()


def work(url: str, **settings) -> None:
    """Run the worker until no job is ready, with Settings built from the environment."""
    base = load_settings(pg_url=url, **settings)
    jobs.run_worker(base, wait=False, install_signal_handlers=False)


def fake_extractor(path: Path, media_type: str) -> extractors.ExtractorResult:
    with Image.open(path) as image:
        return extractors.ExtractorResult(
            name="fake-ocr", version="9.9", result={"text": "", "size": list(image.size),
                                                  "media_type": media_type}
        )


def broken_extractor(path: Path, media_type: str) -> extractors.ExtractorResult:
    raise RuntimeError("model exploded while reading a secret receipt")


extractors.register("test-fake", fake_extractor)
extractors.register("test-broken", broken_extractor)


# --- deferral inside the caller's transaction -------------------------------------------


def test_rolled_back_transaction_leaves_no_job(jobs_db, tmp_path):
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        assert jobs.defer_extractions(conn, [attachment]) == 1
        conn.rollback()
    assert job_rows(jobs_db) == []


def test_committed_transaction_has_one_job(jobs_db, tmp_path):
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        assert jobs.defer_extractions(conn, [attachment]) == 1
        conn.commit()
    [job] = job_rows(jobs_db)
    assert job["task_name"] == "kenny_wa.extract_attachment"
    assert job["queue_name"] == "extraction"
    assert job["queueing_lock"] == f"attachment:{attachment}"
    assert job["args"] == {"attachment_id": attachment}
    assert job["status"] == "todo"
    assert attachment_status(jobs_db, attachment) == "awaiting"


def test_same_attachment_twice_gives_one_job_and_the_transaction_survives(jobs_db, tmp_path):
    with connect(jobs_db) as conn:
        first = add_attachment(conn, tmp_path, 1)
        assert jobs.defer_extractions(conn, [first, first]) == 1
        assert jobs.defer_extractions(conn, [first]) == 0
        second = add_attachment(conn, tmp_path, 2)  # the transaction is still usable
        conn.commit()
    with connect(jobs_db) as conn:
        assert jobs.defer_extractions(conn, [first, second]) == 1
        conn.commit()
    assert sorted(j["queueing_lock"] for j in job_rows(jobs_db)) == [
        f"attachment:{first}", f"attachment:{second}"
    ]


def test_waiting_ids_are_skipped_inside_savepoints(jobs_db, tmp_path):
    """A batch that meets a waiting job (committed by another transaction) is split until the
    waiting ids stand alone; the others are deferred and the caller's transaction is unharmed."""
    with connect(jobs_db) as conn:
        ids = [add_attachment(conn, tmp_path, n) for n in range(1, 6)]
        jobs.defer_extractions(conn, [ids[1], ids[3]])
        conn.commit()
        assert jobs.defer_extractions(conn, ids) == 3
        assert conn.execute("SELECT 1 AS ok").fetchone()["ok"] == 1
        conn.commit()
    assert sorted(j["queueing_lock"] for j in job_rows(jobs_db)) == sorted(f"attachment:{i}" for i in ids)


def test_agent_messages_are_deferred_once(jobs_db):
    with connect(jobs_db) as conn:
        assert jobs.defer_agent_messages(conn, [7, 8, 7]) == 2
        assert jobs.defer_agent_messages(conn, [8]) == 0
        assert jobs.defer_agent_messages(conn, []) == 0
        conn.commit()
    rows = job_rows(jobs_db)
    assert [(r["task_name"], r["queue_name"], r["queueing_lock"], r["args"]) for r in rows] == [
        ("kenny_wa.agent_message", "agent", "message:7", {"message_id": 7}),
        ("kenny_wa.agent_message", "agent", "message:8", {"message_id": 8}),
    ]
    work(jobs_db)
    assert {r["status"] for r in job_rows(jobs_db, jobs.AGENT_TASK)} == {"succeeded"}


def test_defer_rejects_non_integer_ids(jobs_db):
    with connect(jobs_db) as conn, pytest.raises(TypeError):
        jobs.defer_extractions(conn, ["1"])  # type: ignore[list-item]


# --- the worker ------------------------------------------------------------------------


def test_flag_off_is_a_no_op(jobs_db, tmp_path):
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        jobs.defer_extractions(conn, [attachment])
        conn.commit()
    work(jobs_db)
    [job] = job_rows(jobs_db, jobs.EXTRACT_TASK)
    assert job["status"] == "succeeded"
    assert extraction_rows(jobs_db) == []
    assert attachment_status(jobs_db, attachment) == "awaiting"


def test_flag_on_records_extraction_with_provenance(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "test-fake")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        checksum = conn.execute(
            "SELECT checksum FROM attachments WHERE id = %s", (attachment,)
        ).fetchone()["checksum"]
        jobs.defer_extractions(conn, [attachment])
        conn.commit()
    work(jobs_db)
    assert [j["status"] for j in job_rows(jobs_db, jobs.EXTRACT_TASK)] == ["succeeded"]
    [row] = extraction_rows(jobs_db)
    assert row["attachment_id"] == attachment
    assert row["status"] == "done"
    assert (row["extractor"], row["extractor_version"]) == ("fake-ocr", "9.9")
    assert row["result"] == {"text": "", "size": [8, 6], "media_type": "image/png"}
    assert row["provenance"] == {
        "thread_external_id": "120363@g.us",
        "external_id": "MSG1",
        "message_ts": "2026-05-01T00:00:00+00:00",
        "checksum": checksum,
        "extractor": "fake-ocr",
        "extractor_version": "9.9",
    }
    assert attachment_status(jobs_db, attachment) == "done"


def test_module_callable_extractor_spec(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "kenny_wa.extractors:dimensions_extractor")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        conn.commit()
    with jobs.use_database(jobs_db):
        assert jobs.extract_attachment(attachment) == "done"
    [row] = extraction_rows(jobs_db)
    assert row["extractor"] == "dimensions"
    assert row["result"]["width"] == 8


def test_unknown_extractor_fails_clearly(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        jobs.defer_extractions(conn, [attachment])
        conn.commit()
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "no-such-extractor")
    with jobs.use_database(jobs_db), pytest.raises(ConfigError) as info:
        jobs.extract_attachment(attachment)
    assert "KENNY_WA_EXTRACTOR" in str(info.value) and "ocr" in str(info.value)
    with pytest.raises(ConfigError):  # the worker refuses to start with it
        work(jobs_db)
    # a job that meets it anyway (the environment changed after the start) fails, stays awaiting
    with jobs.use_database(jobs_db, load_settings(pg_url=jobs_db)):
        jobs.app.run_worker(queues=["extraction"], wait=False, install_signal_handlers=False)
    assert [j["status"] for j in job_rows(jobs_db, jobs.EXTRACT_TASK)] == ["failed"]
    assert extraction_rows(jobs_db) == []
    assert attachment_status(jobs_db, attachment) == "awaiting"


def test_failing_extractor_marks_failed_without_content(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "test-broken")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        conn.commit()
    with jobs.use_database(jobs_db):
        assert jobs.extract_attachment(attachment) == "failed"
    [row] = extraction_rows(jobs_db)
    assert (row["status"], row["error"], row["result"]) == ("failed", "extractor_failed", None)
    assert "secret" not in str(row)
    assert attachment_status(jobs_db, attachment) == "failed"


def test_changed_file_is_not_extracted(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "test-fake")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        path = conn.execute(
            "SELECT file_path FROM attachments WHERE id = %s", (attachment,)
        ).fetchone()["file_path"]
        conn.commit()
    Path(path).write_bytes(png((1, 2, 3)))
    with jobs.use_database(jobs_db):
        assert jobs.extract_attachment(attachment) == "failed"
    assert extraction_rows(jobs_db)[0]["error"] == "checksum_mismatch"
    Path(path).unlink()
    with jobs.use_database(jobs_db):
        assert jobs.extract_attachment(attachment) == "failed"
    assert extraction_rows(jobs_db)[0]["error"] == "file_missing"


def test_metadata_only_and_missing_attachments(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "test-fake")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1, stored=False)
        conn.commit()
    with jobs.use_database(jobs_db):
        assert jobs.extract_attachment(attachment) == "not_applicable"
        assert jobs.extract_attachment(987654) == "missing"
    assert extraction_rows(jobs_db) == []


def test_backfill_redefers_every_awaiting_attachment(jobs_db, tmp_path, monkeypatch):
    with connect(jobs_db) as conn:
        ids = [add_attachment(conn, tmp_path, n) for n in range(1, 6)]
        add_attachment(conn, tmp_path, 99, stored=False)  # not applicable
        jobs.defer_extractions(conn, ids[:2])
        conn.commit()
    work(jobs_db)  # flag off: jobs succeed, attachments stay awaiting
    assert {attachment_status(jobs_db, i) for i in ids} == {"awaiting"}
    monkeypatch.setenv("IMAGE_PROCESSING_ENABLED", "true")
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "test-fake")
    with connect(jobs_db) as conn:
        assert jobs.backfill_extractions(conn) == 5
        assert jobs.backfill_extractions(conn) == 0  # already waiting
        conn.commit()
    work(jobs_db)
    assert {attachment_status(jobs_db, i) for i in ids} == {"done"}
    assert len(extraction_rows(jobs_db)) == 5
    with connect(jobs_db) as conn:
        assert jobs.backfill_extractions(conn) == 0


# --- app wiring ------------------------------------------------------------------------


def test_app_resolves_url_at_open_time(jobs_db, monkeypatch):
    monkeypatch.setenv("KENNY_WA_PG_URL", jobs_db)
    with jobs.app.open():  # sync open: lazy SyncPsycopgConnector
        job_id = jobs.agent_message_task.configure(queueing_lock="message:1").defer(message_id=1)
    assert [r["id"] for r in job_rows(jobs_db)] == [job_id]
    monkeypatch.delenv("KENNY_WA_PG_URL")
    with jobs.use_database(jobs_db):
        jobs.app.run_worker(queues=["agent"], wait=False, install_signal_handlers=False)
    assert job_rows(jobs_db, jobs.AGENT_TASK)[0]["status"] == "succeeded"


def test_sweeper_is_registered_without_lock():
    task = jobs.app.tasks[jobs.SWEEPER_TASK]
    assert task.lock is None and task.queueing_lock == "retry_stalled_jobs"
    assert task.pass_context
    [periodic] = [
        p for p in jobs.app.periodic_registry.periodic_tasks.values() if p.task is task
    ]
    assert periodic.cron == "*/10 * * * *"


def test_sweeper_retries_jobs_of_a_dead_worker(jobs_db):
    with connect(jobs_db) as conn:
        jobs.defer_agent_messages(conn, [5])
        conn.commit()
        worker_id = conn.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id"
        ).fetchone()["id"]
        conn.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", (worker_id,)
        )
        conn.commit()
    with jobs.use_database(jobs_db):
        with jobs.app.open():
            jobs.app.configure_task(jobs.SWEEPER_TASK).defer(timestamp=0)
        jobs.app.run_worker(queues=["maintenance"], wait=False, install_signal_handlers=False)
    statuses = {r["status"] for r in job_rows(jobs_db, jobs.AGENT_TASK)}
    assert statuses == {"todo"}, statuses


def test_a_thousand_deferrals_in_one_transaction(jobs_db):
    """The batch path defers every id once (its speed is measured in benchmarks/)."""
    ids = list(range(1, 1001))
    with connect(jobs_db) as conn:
        assert jobs.defer_extractions(conn, ids) == 1000
        conn.commit()
    assert len(job_rows(jobs_db)) == 1000


def test_worker_settings_win_over_environment(jobs_db, tmp_path, monkeypatch):
    monkeypatch.setenv("KENNY_WA_EXTRACTOR", "test-fake")
    with connect(jobs_db) as conn:
        attachment = add_attachment(conn, tmp_path, 1)
        jobs.defer_extractions(conn, [attachment])
        conn.commit()
    work(jobs_db, image_processing_enabled=True)  # the environment says false
    assert attachment_status(jobs_db, attachment) == "done"
    assert jobs.runtime_settings().image_processing_enabled is False  # the override ended


def test_database_errors_become_database_unavailable(jobs_db):
    from kenny_wa.errors import DatabaseUnavailable

    with connect(jobs_db) as conn:
        conn.execute("ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_gone")
        with pytest.raises(DatabaseUnavailable) as info:
            jobs.defer_extractions(conn, [1])
        assert "procrastinate" not in str(info.value)
        conn.rollback()


# --- Procrastinate's state through its public API ---------------------------------------


def test_queue_counts_by_queue_and_status(jobs_db, tmp_path):
    assert jobs.queue_counts(jobs_db) == {}
    with connect(jobs_db) as conn:
        jobs.defer_extractions(conn, [add_attachment(conn, tmp_path, n) for n in (1, 2)])
        jobs.defer_agent_messages(conn, [3])
        conn.commit()
    assert jobs.queue_counts(jobs_db) == {"agent": {"todo": 1}, "extraction": {"todo": 2}}
    work(jobs_db)
    after = jobs.queue_counts(jobs_db)  # the worker's periodic sweeper ran on maintenance too
    assert (after["agent"], after["extraction"]) == ({"succeeded": 1}, {"succeeded": 2})


def test_schema_present_sees_the_callers_transaction(jobs_db):
    with connect(jobs_db) as conn:
        assert jobs.schema_present(conn)
        conn.execute("DROP TABLE procrastinate_jobs CASCADE")
        assert not jobs.schema_present(conn)
        conn.rollback()
        assert jobs.schema_present(conn)
