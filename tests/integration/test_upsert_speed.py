"""Upsert throughput against a bare COPY of the same rows (slow; prints the numbers).

The first insert of 50,000 rows must stay within 2x of a bare COPY (text COPY of the same
dicts, JSON-encoded, into a table shaped like messages with its indexes) and, when the bare
COPY itself shows an unloaded machine (≥ 40,000 rows/s), reach ≥ 20,000 rows/s.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from kenny_wa import store

pytestmark = pytest.mark.slow
N = 50_000
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COLUMNS = (
    "platform, external_id, thread_external_id, sender_id, recipient_ids, content_snippet, ts,"
    " is_outgoing, source_app, is_agent_channel, exclude_from_automation, has_attachments,"
    " metadata"
)


def rows(tag: str = "") -> list[dict]:
    return [
        {
            "platform": "whatsapp",
            "external_id": f"3EB0{i:016X}",
            "thread_external_id": f"3519{i % 300:08d}@c.us",
            "sender_id": "+351 912 345 678",
            "recipient_ids": ["me"],
            "content_snippet": f"message {i} {tag} — olá, até já 👍",
            "ts": T0 + dt.timedelta(seconds=i),
            "is_outgoing": bool(i % 2),
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
                "raw_data_id": f"false_x_{i}",
                "era": "p6",
                "reactions": [],
            },
        }
        for i in range(N)
    ]


def best_of(times: int, func) -> float:
    best = float("inf")
    for _ in range(times):
        best = min(best, func())
    return best


def test_upsert_throughput_vs_bare_copy(db_conn):
    data = rows()

    def upsert_fresh() -> float:
        db_conn.execute("TRUNCATE messages CASCADE")
        db_conn.commit()
        start = time.perf_counter()
        counts = store.upsert_messages(db_conn, data)
        db_conn.commit()
        assert counts.inserted == N
        return time.perf_counter() - start

    def bare_copy() -> float:
        db_conn.execute("DROP TABLE IF EXISTS bare_copy")
        db_conn.execute("CREATE TABLE bare_copy (LIKE messages INCLUDING ALL)")
        db_conn.commit()
        start = time.perf_counter()
        with db_conn.cursor().copy(f"COPY bare_copy ({COLUMNS}) FROM STDIN") as copy:
            for r in data:
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
        db_conn.commit()
        return time.perf_counter() - start

    def rerun() -> float:
        start = time.perf_counter()
        counts = store.upsert_messages(db_conn, data)
        db_conn.commit()
        assert counts.unchanged == N
        return time.perf_counter() - start

    copy_s = best_of(3, bare_copy)
    insert_s = best_of(3, upsert_fresh)
    rerun_s = best_of(2, rerun)
    print(
        f"\n{N} rows: upsert insert {insert_s:.2f}s ({N / insert_s:,.0f}/s), unchanged rerun "
        f"{rerun_s:.2f}s ({N / rerun_s:,.0f}/s), bare COPY {copy_s:.2f}s ({N / copy_s:,.0f}/s), "
        f"ratio {insert_s / copy_s:.2f}"
    )
    assert insert_s <= 2 * copy_s
    if N / copy_s >= 40_000:  # only meaningful when the machine is not saturated
        assert N / insert_s >= 20_000
