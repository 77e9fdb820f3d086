"""save_chat_batch: one transaction per chat, effectively once across reruns and crashes."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image

from kenny_wa import jobs, persist, store
from kenny_wa.config import Settings
from kenny_wa.model import Chat, ChatBatch, ImageBytes, MediaFailure, MediaRef, Message

T = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
CHAT = Chat(chat_id="351900000001@c.us", title="Ana", is_group=False, last_activity=T, id_source="packed")


def png(color=(255, 0, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(out, format="PNG")
    return out.getvalue()


def msg(external_id: str, minutes: int, kind: str = "text", text: str | None = "hi", **kw) -> Message:
    media = MediaRef(kind=kind) if kind not in ("text", "deleted") else None
    return Message(
        external_id=external_id,
        chat_id=CHAT.chat_id,
        ts=T + dt.timedelta(minutes=minutes),
        is_outgoing=False,
        sender="Ana",
        text=text,
        kind=kind,
        raw_data_id=f"false_{external_id}",
        era="p6",
        media=media,
        **kw,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(attachments_dir=tmp_path / "attachments", state_dir=tmp_path / "state")


def batch(images=None, messages=None, **kw) -> ChatBatch:
    messages = messages or [
        msg("M1", 0),
        msg("M2", 1, "image", None),
        msg("M3", 2, "voice", None),
        msg("M4", 3, "image", "caption"),
    ]
    return ChatBatch(chat=CHAT, messages=messages, images=images or {}, **kw)


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


def test_first_save_then_rerun_duplicates_nothing(db_conn, settings):
    images = {"M2": ImageBytes("M2", png()), "M4": MediaFailure("M4", "fetch_failed")}
    result = persist.save_chat_batch(db_conn, batch(images), settings=settings)
    assert (result.inserted, result.updated, result.unchanged) == (4, 0, 0)
    assert (result.attachments_saved, result.attachments_failed, result.extraction_jobs) == (1, 1, 1)
    rows = {
        r["external_id"]: r
        for r in db_conn.execute("SELECT * FROM attachments a JOIN messages m ON m.id = a.message_id")
    }
    assert rows["M2"]["status"] == "stored" and Path(rows["M2"]["file_path"]).is_file()
    assert rows["M2"]["has_attachments"] is True
    assert (rows["M3"]["status"], rows["M3"]["reason"]) == ("metadata_only", "voice")
    assert (rows["M4"]["status"], rows["M4"]["reason"]) == ("failed", "fetch_failed")
    cursor = store.get_cursors(db_conn)[CHAT.chat_id]
    assert cursor.newest_external_id == "M4" and cursor.newest_ts == T + dt.timedelta(minutes=3)
    jobs_rows = db_conn.execute("SELECT task_name, args FROM procrastinate_jobs").fetchall()
    assert [j["task_name"] for j in jobs_rows] == [jobs.EXTRACT_TASK]
    db_conn.commit()

    # rerun: the failed image now arrives
    images = {"M2": ImageBytes("M2", png()), "M4": ImageBytes("M4", png((0, 0, 255)))}
    again = persist.save_chat_batch(db_conn, batch(images), settings=settings)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert (again.attachments_saved, again.attachments_failed, again.extraction_jobs) == (1, 0, 1)
    assert count(db_conn, "messages") == 4 and count(db_conn, "attachments") == 3
    assert count(db_conn, "procrastinate_jobs") == 2

    # a third identical run changes nothing at all
    third = persist.save_chat_batch(db_conn, batch(images), settings=settings)
    assert third == persist.BatchResult(unchanged=4)
    assert count(db_conn, "procrastinate_jobs") == 2


def test_crash_inside_the_transaction_loses_and_duplicates_nothing(db_conn, settings, monkeypatch):
    images = {"M2": ImageBytes("M2", png())}

    def crash(*args, **kwargs):
        raise RuntimeError("crash while advancing the cursor")

    monkeypatch.setattr(store, "advance_cursor", crash)
    with pytest.raises(RuntimeError):
        persist.save_chat_batch(db_conn, batch(images), settings=settings)
    for table in ("messages", "attachments", "chat_cursors", "procrastinate_jobs"):
        assert count(db_conn, table) == 0, table
    monkeypatch.undo()
    result = persist.save_chat_batch(db_conn, batch(images), settings=settings)
    assert result.inserted == 4 and result.extraction_jobs == 1
    assert count(db_conn, "procrastinate_jobs") == 1


def test_commits_on_its_own_when_no_transaction_is_open(db_conn, db_url, settings):
    persist.save_chat_batch(db_conn, batch(), settings=settings)
    with store.connect(db_url) as other:
        assert count(other, "messages") == 4


def test_dry_run_writes_nothing(db_conn, settings):
    images = {"M2": ImageBytes("M2", png())}
    result = persist.save_chat_batch(db_conn, batch(images), settings=settings, dry_run=True)
    assert result.inserted == 4 and result.attachments_saved == 1
    assert count(db_conn, "messages") == 0 and count(db_conn, "procrastinate_jobs") == 0
    assert not settings.attachments_dir.exists()


def test_rejected_image_and_disabled_downloads(db_conn, settings):
    images = {"M2": ImageBytes("M2", b"not an image")}
    result = persist.save_chat_batch(db_conn, batch(images), settings=settings)
    assert result.attachments_failed == 2  # M2 rejected, M4 not fetched
    reasons = {r["reason"] for r in db_conn.execute("SELECT reason FROM attachments")}
    assert reasons == {"not_an_image", "fetch_failed", "voice"}
    off = Settings(attachments_dir=settings.attachments_dir, download_images=False)
    other = ChatBatch(chat=CHAT, messages=[msg("M9", 9, "image", None)])
    persist.save_chat_batch(db_conn, other, settings=off)
    row = db_conn.execute(
        "SELECT a.status, a.reason FROM attachments a JOIN messages m ON m.id = a.message_id"
        " WHERE m.external_id = 'M9'"
    ).fetchone()
    assert (row["status"], row["reason"]) == ("metadata_only", "downloads_disabled")


def test_partial_batch_marks_cursor_incomplete(db_conn, settings):
    persist.save_chat_batch(
        db_conn, batch(complete=False, partial_reason="stalled"), settings=settings
    )
    assert store.get_cursors(db_conn)[CHAT.chat_id].complete is False


def test_agent_messages_deferred_once(db_conn, tmp_path):
    settings = Settings(attachments_dir=tmp_path / "a", agent_contact="Ana")
    own = Message(
        external_id="K1",
        chat_id=CHAT.chat_id,
        ts=T,
        is_outgoing=True,
        sender=None,
        text="Kenny, remind me",
        kind="text",
        raw_data_id="true_K1",
        era="p6",
    )
    b = ChatBatch(chat=CHAT, messages=[own, msg("K2", 1)])
    first = persist.save_chat_batch(db_conn, b, settings=settings)
    again = persist.save_chat_batch(db_conn, b, settings=settings)
    routed = db_conn.execute(
        "SELECT count(*) AS n FROM messages WHERE (metadata->>'agent_route')::boolean"
    ).fetchone()["n"]
    assert routed >= 1
    assert first.agent_jobs == routed and again.agent_jobs == 0
    n = db_conn.execute(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = %s", (jobs.AGENT_TASK,)
    ).fetchone()["n"]
    assert n == routed


@pytest.mark.parametrize(("messages", "page_order", "reason"), [
    # day and month swapped: ten days in the future
    ([msg("M1", 0), msg("M2", 60 * 24 * 10)], [], "future_timestamp"),
    # the page shows M2 above M1 but M2 is an hour later
    ([msg("M1", 0), msg("M2", 60)], ["M2", "M1"], "out_of_order"),
])
def test_a_refused_batch_stores_nothing_and_leaves_the_cursor_incomplete(
    db_conn, settings, messages, page_order, reason
):
    store.advance_cursor(db_conn, CHAT.chat_id, T - dt.timedelta(days=1), "M0", T, True)
    refused = batch(messages=messages, page_order=page_order)
    result = persist.save_chat_batch(db_conn, refused, settings=settings,
                                     clock=lambda: T + dt.timedelta(hours=2))
    assert result.refused == reason and result.inserted == 0
    assert count(db_conn, "messages") == 0 and count(db_conn, "procrastinate_jobs") == 0
    cursor = store.get_cursors(db_conn)[CHAT.chat_id]
    assert cursor.newest_ts == T - dt.timedelta(days=1) and cursor.newest_external_id == "M0"
    assert (cursor.complete, cursor.partial_reason) == (False, reason)


def test_a_batch_in_page_order_is_saved(db_conn, settings):
    ok = batch(messages=[msg("M1", 0), msg("M2", 0), msg("M3", 5)], page_order=["M2", "M1", "M3"])
    result = persist.save_chat_batch(db_conn, ok, settings=settings,
                                     clock=lambda: T + dt.timedelta(hours=2))
    assert result.refused is None and result.inserted == 3
def test_a_failed_image_is_found_for_retry_and_a_read_reaching_back_for_it_counts_a_try(db_conn, settings):
    images = {"M2": MediaFailure("M2", "not_loaded"), "M4": MediaFailure("M4", "corrupt")}
    persist.save_chat_batch(db_conn, batch(images), settings=settings)
    cutoff = T - dt.timedelta(days=30)
    # the image worth retrying, not the rejected one; the cursor is not degraded by either
    assert persist.retry_since(db_conn, cutoff) == {CHAT.chat_id: T + dt.timedelta(minutes=1)}
    assert store.get_cursors(db_conn)[CHAT.chat_id].complete is True
    # a read that reached back for it and failed again: one try; an ordinary read: none
    retry = batch(images, retry_since=T + dt.timedelta(minutes=1), read_at=T + dt.timedelta(hours=1))
    persist.save_chat_batch(db_conn, retry, settings=settings)
    persist.save_chat_batch(db_conn, batch(images), settings=settings)
    tries = {r["reason"]: r["tries"] for r in db_conn.execute("SELECT reason, tries FROM attachments")}
    assert tries == {"not_loaded": 1, "corrupt": 0, "voice": 0}
    assert store.get_cursors(db_conn)[CHAT.chat_id].read_at == T + dt.timedelta(hours=1)
    # stored at last: nothing left to retry
    stored = {"M2": ImageBytes("M2", png()), "M4": MediaFailure("M4", "corrupt")}
    persist.save_chat_batch(db_conn, batch(stored, retry_since=T), settings=settings)
    assert persist.retry_since(db_conn, cutoff) == {}
