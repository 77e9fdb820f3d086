"""Upsert and job deferral against PostgreSQL (a throwaway database on the benchmark server).

- **Upsert**: ``store.upsert_messages`` of N fresh rows (one transaction, committed) vs a bare
  COPY of the same rows into a table shaped like ``messages`` (``LIKE messages INCLUDING
  ALL``: same columns, defaults, unique key and indexes) — the floor for getting the rows in.
- **Unchanged rerun**: the same N rows upserted again: time, the counts the upsert reports,
  and the tuples PostgreSQL itself saw written in that transaction
  (``pg_stat_xact_user_tables``), which must both be 0.
- **Job deferral**: ``jobs.defer_extractions`` of M ids inside the transaction of an upsert
  (as ``persist.save_chat_batch`` does), vs deferring the same jobs one per call.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from typing import Any

from benchmarks import common, pg

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COPY_COLUMNS = (
    "platform, external_id, thread_external_id, sender_id, recipient_ids, content_snippet, ts,"
    " is_outgoing, source_app, is_agent_channel, exclude_from_automation, has_attachments, metadata"
)


def make_rows(n: int, tag: str = "") -> list[dict[str, Any]]:
    """``n`` rows shaped like mapping.message_rows output, over 200 chats."""
    return [
        {
            "platform": "whatsapp",
            "external_id": f"3EB0{i:016X}",
            "thread_external_id": f"3519{i % 200:08d}@c.us",
            "sender_id": "+351 912 345 678" if i % 2 else None,
            "recipient_ids": ["me"] if i % 2 else ["+351 912 345 678"],
            "content_snippet": f"message {i} {tag} — olá, até já 👍 " + "lorem ipsum " * (i % 7),
            "ts": T0 + dt.timedelta(seconds=i),
            "is_outgoing": not i % 2,
            "source_app": "WhatsApp Web",
            "is_agent_channel": False,
            "exclude_from_automation": False,
            "has_attachments": False,
            "metadata": {
                "kind": "text",
                "quoted_id": None,
                "forwarded": False,
                "edited": False,
                "deleted": False,
                "sender_name": None,
                "era": "p6",
                "reactions": [],
            },
        }
        for i in range(n)
    ]


def _bare_copy(conn: Any, rows: list[dict[str, Any]]) -> float:
    conn.execute("DROP TABLE IF EXISTS bench_bare_copy")
    conn.execute("CREATE TABLE bench_bare_copy (LIKE messages INCLUDING ALL)")
    conn.commit()
    start = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY bench_bare_copy ({COPY_COLUMNS}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(
                (
                    r["platform"],
                    r["external_id"],
                    r["thread_external_id"],
                    r["sender_id"],
                    json.dumps(r["recipient_ids"]),
                    r["content_snippet"],
                    r["ts"],
                    r["is_outgoing"],
                    r["source_app"],
                    r["is_agent_channel"],
                    r["exclude_from_automation"],
                    r["has_attachments"],
                    json.dumps(r["metadata"]),
                )
            )
    conn.commit()
    elapsed = time.perf_counter() - start
    conn.execute("DROP TABLE bench_bare_copy")
    conn.commit()
    return elapsed


def _upsert_fresh(conn: Any, rows: list[dict[str, Any]]) -> tuple[float, Any]:
    from kenny_wa import store

    conn.execute("TRUNCATE messages CASCADE")
    conn.commit()
    start = time.perf_counter()
    counts = store.upsert_messages(conn, rows)
    conn.commit()
    return time.perf_counter() - start, counts


def _written_in_xact(conn: Any) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS n FROM pg_stat_xact_user_tables"
        " WHERE relname = 'messages'"
    ).fetchone()
    return int(row["n"])


def run_upsert(*, quick: bool) -> dict[str, Any]:
    from kenny_wa import store

    n = 50_000
    repeat = 1 if quick else 3
    rows = make_rows(n)
    with pg.throwaway_database() as url, store.connect(url) as conn:
        fresh, copies = [], []
        counts = None
        for _ in range(repeat):  # interleaved so load spikes hit both sides alike
            copies.append(_bare_copy(conn, rows))
            elapsed, counts = _upsert_fresh(conn, rows)
            fresh.append(elapsed)
        assert counts is not None and counts.inserted == n
        reruns, written, pg_written = [], [], []
        for _ in range(repeat):
            start = time.perf_counter()
            again = store.upsert_messages(conn, rows)
            seen = _written_in_xact(conn)
            conn.commit()
            reruns.append(time.perf_counter() - start)
            written.append(again.written)
            pg_written.append(seen)
    upsert_s, copy_s, rerun_s = (statistics.median(x) for x in (fresh, copies, reruns))
    return {
        "rows": n,
        "repeat": repeat,
        "upsert_ms": round(upsert_s * 1000, 1),
        "upsert_samples_ms": [round(s * 1000, 1) for s in fresh],
        "upsert_rows_per_s": round(n / upsert_s),
        "bare_copy_ms": round(copy_s * 1000, 1),
        "bare_copy_samples_ms": [round(s * 1000, 1) for s in copies],
        "bare_copy_rows_per_s": round(n / copy_s),
        "upsert_vs_copy": round(upsert_s / copy_s, 2),
        "rerun_ms": round(rerun_s * 1000, 1),
        "rerun_rows_per_s": round(n / rerun_s),
        "rerun_rows_written": max(written),
        "rerun_tuples_written_pg": max(pg_written),
        "rerun_speedup": round(upsert_s / rerun_s, 2),
    }


def run_deferral(*, quick: bool) -> dict[str, Any]:
    from kenny_wa import jobs, store

    sizes = (1_000, 5_000) if quick else (1_000, 10_000)
    repeat = 1 if quick else 3
    one_by_one_n = 300 if quick else 1_000
    rows = make_rows(1_000, tag="defer")
    out: dict[str, Any] = {"repeat": repeat, "batches": []}
    with pg.throwaway_database() as url, store.connect(url) as conn:
        for size in sizes:
            defer_s, total_s = [], []
            for r in range(repeat):
                conn.execute("DELETE FROM procrastinate_jobs")
                conn.execute("TRUNCATE messages CASCADE")
                conn.commit()
                ids = list(range(r * size + 1, (r + 1) * size + 1))
                start = time.perf_counter()
                with conn.transaction():
                    store.upsert_messages(conn, rows)
                    mid = time.perf_counter()
                    deferred = jobs.defer_extractions(conn, ids)
                    defer_s.append(time.perf_counter() - mid)
                conn.commit()
                total_s.append(time.perf_counter() - start)
                assert deferred == size, (deferred, size)
            queued = conn.execute("SELECT count(*) AS n FROM procrastinate_jobs").fetchone()["n"]
            conn.commit()
            d = statistics.median(defer_s)
            out["batches"].append(
                {
                    "jobs": size,
                    "defer_ms": round(d * 1000, 1),
                    "jobs_per_s": round(size / d),
                    "upsert_plus_defer_commit_ms": round(statistics.median(total_s) * 1000, 1),
                    "jobs_in_table_after_commit": int(queued),
                }
            )
        # baseline: one job per call (Procrastinate's defer of a single job, same connection)
        conn.execute("DELETE FROM procrastinate_jobs")
        conn.commit()
        start = time.perf_counter()
        with conn.transaction():
            for i in range(one_by_one_n):
                jobs.extract_attachment_task.configure(
                    queueing_lock=f"attachment:{i}", connection=conn
                ).defer(attachment_id=i)
        conn.commit()
        one = time.perf_counter() - start
    out["one_by_one_jobs"] = one_by_one_n
    out["one_by_one_jobs_per_s"] = round(one_by_one_n / one)
    out["jobs_per_s"] = min(b["jobs_per_s"] for b in out["batches"])
    return out


if __name__ == "__main__":
    common.quiet_logs()
    print(json.dumps({"upsert": run_upsert(quick=True), "deferral": run_deferral(quick=True)}, indent=2))
