"""The benchmark's floor column: latencies plus the page's render time, and the latency-only
ratio next to it; results recorded before render times existed still read correctly."""

from __future__ import annotations

from benchmarks import report

SYNC = {"minimum_chunks": 1_338, "minimum_floor_seconds": 401.4}


def test_floor_with_render_time_shows_both_ratios():
    first = {"floor_seconds": 450.0, "vs_floor": 1.1, "latency_floor_seconds": 401.4,
             "render_seconds": 48.6, "vs_latency_floor": 1.23}
    text = report._floor_text(first, SYNC)
    assert text.startswith("floor 450.0 s = latency 401.4 s + page render 48.6 s → 1.1x")
    assert "latency alone: 1.23x" in text and "1,338 chunks" in text


def test_results_from_before_render_times_say_latency_only():
    text = report._floor_text({"floor_seconds": 401.4, "vs_floor": 1.75}, SYNC)
    assert text.startswith("floor 401.4 s (latency only) → 1.75x")
