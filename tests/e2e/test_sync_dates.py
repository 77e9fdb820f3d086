"""Dates read from the page's own evidence, end to end: the replica's page in another language
than kenny-wa's locale setting, and a page whose dates cannot be read one way only.

Real ``kenny-wa sync --once --json`` subprocess, real Chromium, real PostgreSQL. kenny-wa runs
at its default ``WHATSAPP_BROWSER_LOCALE=en-US`` (month first) in every case.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from faulthelpers import assert_db_matches_truth, connect, count, cutoff_for, rig

from kenny_wa import guards, store

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def assert_nothing_in_the_future(db_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    with connect(db_url) as conn:
        newest = conn.execute("select max(ts) as ts from messages").fetchone()["ts"]
        cursors = conn.execute("select max(newest_ts) as ts, max(last_activity) as la from chat_cursors").fetchone()
        seen = conn.execute("select last_seen_ts from sync_state").fetchone()
    assert newest is None or newest <= now
    assert cursors["ts"] is None or cursors["ts"] <= now
    assert cursors["la"] is None or cursors["la"] <= now
    assert seen is None or seen["last_seen_ts"] is None or seen["last_seen_ts"] <= now


# The page in a language the replica speaks (its words and formats), or, for ja-JP and ko-KR,
# only its dates in that locale's format (English words).
@pytest.mark.parametrize(("lang", "locale"), [
    ("en-GB", None), ("pt-BR", None), ("de-DE", None), ("es-MX", None), ("fr-FR", None),
    ("tr-TR", None), ("zh-CN", None), (None, "ja-JP"), (None, "ko-KR"),
])
def test_a_page_in_another_language_lands_exactly(tmp_path, db_url, lang, locale):
    with rig("default", tmp_path, db_url, latency_ms=0, lang=lang, locale=locale) as r:
        assert r.env["WHATSAPP_BROWSER_LOCALE"] == "en-US"
        truth = r.replica.ground_truth()
        result = r.sync(timeout=240)
        summary = result.summary
        prompts = sum(1 for c in truth["chats"] if c["phone_prompt"])
        assert [p["reason"] for p in summary["partial_chats"]] == ["phone_prompt"] * prompts, summary
        assert summary["refused_chats"] == {}, summary
        assert_db_matches_truth(db_url, truth, cutoff_for())
        assert_nothing_in_the_future(db_url)


def _ambiguous_scenario(path: Path, now: dt.datetime) -> Path:
    """One chat, every message on a day ≤ 12 of November last year: each date reads as a real,
    past, chronological date whether day or month comes first, and the page shows no relative
    word, weekday or month name (its separators and list time are numeric dates too)."""
    year = now.year - 1
    days = [dt.datetime(year, 11, d, 12, 0, tzinfo=dt.UTC) for d in (3, 5, 10)]
    messages = []
    for i, day in enumerate(days):
        for j, who in enumerate(("them", "me")):
            minutes = int((now - day).total_seconds() // 60) - j
            messages.append({"from": who, "minutes_ago": minutes, "text": f"Note {i}.{j} about the garden"})
    spec = {"name": "ambiguous-dates", "description": "Every date reads two ways.", "own_name": "Kenny Marsh",
            "chats": [{"contact": {"name": "Iris Okafor", "phone": "+1 555 0100 150"}, "messages": messages}]}
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def test_a_page_whose_dates_read_two_ways_stores_nothing(tmp_path, db_url):
    scenario = _ambiguous_scenario(tmp_path / "ambiguous-dates.json", dt.datetime.now(dt.UTC))
    with rig(str(scenario), tmp_path, db_url, latency_ms=0, lang="en-GB") as r:
        result = r.sync(WHATSAPP_SYNC_LOOKBACK_DAYS="800")
        summary = result.summary
        assert result.code == 3 and summary["status"] == "partial", summary
        assert [p["reason"] for p in summary["partial_chats"]] == [guards.AMBIGUOUS_DATES]
        assert summary["refused_chats"] == {guards.AMBIGUOUS_DATES: 1}
        assert summary["chats_opened"] == 1
        assert count(db_url, "messages") == 0 and count(db_url, "procrastinate_jobs") == 0
        with connect(db_url) as conn:
            cursor = conn.execute("select newest_ts, complete, partial_reason from chat_cursors").fetchone()
            metrics = store.metrics_snapshot(conn)
        assert (cursor["newest_ts"], cursor["complete"], cursor["partial_reason"]) == (
            None, False, guards.AMBIGUOUS_DATES)
        assert metrics["refused_by_reason"] == {guards.AMBIGUOUS_DATES: 1}
        assert_nothing_in_the_future(db_url)
