"""Extraction: messages/s read by the project's extractor vs per-element Playwright locators.

A replica chat is loaded completely (every history chunk), the viewport is made tall enough
that the replica's virtualisation keeps a large block of rows rendered, and the same
rendered rows are then read

- by ``extract.read_window`` (one ``page.evaluate`` of ``extract_rows.js`` + the pure parser),
  also split into the raw evaluate and the parse, with the era pinned (what the page is) and
  with ``setting="auto"`` (the union of every era's selectors: what the sync passes today);
- by the baseline: three Playwright locator calls per message row (message id attribute,
  ``data-pre-plain-text`` attribute, text) — what a naive scraper does.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import common

TARGET_MESSAGES = 1_200
ROWS = '#main [data-testid="conversation-panel-messages"] [role="row"]'


# indices (in ROWS order) of rendered message rows with an id, a pre-plain meta and a text body
PICK_ROWS = """({rows, limit}) => {
  const out = [];
  document.querySelectorAll(rows).forEach((r, i) => {
    if (out.length < limit && r.querySelector('[data-testid^="conv-msg-"]')
        && r.querySelector('[data-pre-plain-text]')
        && r.querySelector('[data-testid="selectable-text"]')) out.push(i);
  });
  return out;
}"""


def _renderer_cpu(func: Any, repeat: int) -> float:
    """CPU seconds the Chromium renderer processes spend per call of ``func`` (load-robust)."""
    import os

    import psutil

    def renderers() -> list[Any]:
        procs = []
        for p in psutil.Process(os.getpid()).children(recursive=True):
            try:
                if "chrom" in p.name().lower() and "--type=renderer" in " ".join(p.cmdline()):
                    procs.append(p)
            except psutil.Error:
                continue
        return procs

    procs = renderers()

    def cpu() -> float:
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total

    before = cpu()
    for _ in range(repeat):
        func()
    return (cpu() - before) / repeat


def _open_whole_chat(page: Any, settings: Any, jid: str, now: dt.datetime, rows_expected: int) -> Any:
    """Open ``jid``; the replica serves it whole (chunk larger than the chat). Return the Chat."""
    from kenny_wa.browser import chatlist
    from kenny_wa.browser.ratelimit import RateLimiter

    limiter = RateLimiter(0)
    cutoff = now - dt.timedelta(days=settings.lookback_days)
    rows = chatlist.list_chat_rows(page, settings, now=now, cutoff=cutoff, limiter=limiter)
    row = next(r for r in rows if r.chat.chat_id == jid)
    chat = chatlist.open_chat(page, row, limiter=limiter)
    page.wait_for_function(
        "(n) => document.querySelectorAll('#main [role=\"row\"]').length >= n",
        arg=rows_expected,
        timeout=120_000,
    )
    return chat


def run(*, quick: bool) -> dict[str, Any]:
    common.quiet_logs()
    repeat = 5 if quick else 15
    baseline_cap = 100 if quick else 300
    viewport_height = 6_000 if quick else 12_000
    root = Path(tempfile.mkdtemp(prefix="kwa-bench-extract-"))
    try:
        return _run(
            root, quick=quick, repeat=repeat, baseline_cap=baseline_cap, viewport_height=viewport_height
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, *, quick: bool, repeat: int, baseline_cap: int, viewport_height: int) -> dict[str, Any]:
    from kenny_wa.browser import extract, launch, scrape
    from kenny_wa.config import load_settings
    from kenny_wa.replica import ReplicaServer

    # the "large" scenario's busiest chats hold 2,000-3,000 messages; one chunk serves a whole chat
    with ReplicaServer(scenario="large", era="p6", seed=1, latency_ms=0, chunk_size=10_000) as replica:
        # a 1:1 chat of about TARGET_MESSAGES messages (the replica's virtualiser lays out every
        # row on open, which gets slow for the very largest chats)
        chats = [c for c in replica.scenario.chats if not c.is_group and not c.archived]
        target = min(chats, key=lambda c: abs(len(c.messages) - TARGET_MESSAGES))
        settings = load_settings(
            common.settings_env(
                replica.url,
                root,
                WHATSAPP_SCROLL_MIN_INTERVAL_MS="0",
                WHATSAPP_SYNC_LOOKBACK_DAYS="3650",
                WHATSAPP_DOWNLOAD_IMAGES="false",
            )
        )
        now = dt.datetime.now(dt.UTC)
        with launch.browser_session(settings) as page:
            common.pair(page, settings, replica)
            # a tall viewport: the replica keeps 2 viewport heights rendered above and below
            page.set_viewport_size({"width": 1280, "height": viewport_height})
            chat = _open_whole_chat(page, settings, target.jid, now, len(target.messages))
            loaded = page.locator(ROWS).count()
            # park mid-history so rows are rendered above and below the viewport
            page.evaluate(
                "(sel) => { const s = document.querySelector(sel); s.scrollTop = s.scrollHeight / 2; }",
                '#main [data-testid="conversation-panel-messages"]',
            )
            page.wait_for_timeout(1_000)
            ctx = scrape.parse_context(chat, settings, now=now)
            profile = extract.detect_profile(page)
            window = extract.read_window(page, ctx, setting=profile)
            messages = len(window.messages)
            if messages < 200:
                raise RuntimeError(f"only {messages} rendered messages; the benchmark needs a big window")
            # warm up (JIT, caches), then measure
            for _ in range(2):
                extract.read_window(page, ctx, setting=profile)
            full_s, full_samples = common.median_seconds(
                lambda: extract.read_window(page, ctx, setting=profile), repeat
            )
            # as the sync calls it today: scrape.read_chat passes settings.selector_profile
            # ("auto" by default), i.e. the union of every era's selectors, on every window
            auto_s, _ = common.median_seconds(lambda: extract.read_window(page, ctx, setting="auto"), repeat)
            raw_s, _ = common.median_seconds(lambda: extract.read_raw(page, profile), repeat)
            auto_raw_s, _ = common.median_seconds(lambda: extract.read_raw(page, "auto"), repeat)
            raw = extract.read_raw(page, profile)
            parse_s, _ = common.median_seconds(lambda: extract.parse_raw(raw, ctx, setting=profile), repeat)
            rtt_s, _ = common.median_seconds(lambda: page.evaluate("1"), 50)

            renderer_cpu_s = _renderer_cpu(lambda: extract.read_raw(page, profile), repeat)
            cpu0 = time.process_time()
            for _ in range(repeat):
                extract.parse_raw(raw, ctx, setting=profile)
            parse_cpu_s = (time.process_time() - cpu0) / repeat

            # baseline: 3 locator calls per message row (id, meta, text) over the same rows;
            # the rows are picked once (untimed) so no call waits for a missing element
            indices = page.evaluate(PICK_ROWS, {"rows": ROWS, "limit": baseline_cap})
            rows = page.locator(ROWS)
            start = time.perf_counter()
            for i in indices:
                row = rows.nth(i)
                row.locator('[data-testid^="conv-msg-"]').first.get_attribute("data-testid", timeout=5_000)
                row.locator("[data-pre-plain-text]").first.get_attribute("data-pre-plain-text", timeout=5_000)
                row.locator('[data-testid="selectable-text"]').first.inner_text(timeout=5_000)
            baseline_s = time.perf_counter() - start
            n_rows = len(indices)
    return {
        "chat_rows_loaded": loaded,
        "window_messages": messages,
        "window_rows": window.rows,
        "viewport_height": viewport_height,
        "repeat": repeat,
        "read_window_ms": round(full_s * 1000, 2),
        "read_window_samples_ms": [round(s * 1000, 2) for s in full_samples],
        "profile": profile,
        "read_window_auto_ms": round(auto_s * 1000, 2),
        "messages_per_s_auto": round(messages / auto_s),
        "raw_evaluate_auto_ms": round(auto_raw_s * 1000, 2),
        "raw_evaluate_ms": round(raw_s * 1000, 2),
        "parse_ms": round(parse_s * 1000, 2),
        "evaluate_roundtrip_ms": round(rtt_s * 1000, 3),
        "messages_per_s": round(messages / full_s),
        "raw_evaluate_messages_per_s": round(messages / raw_s),
        "parse_messages_per_s": round(messages / parse_s),
        "renderer_cpu_ms": round(renderer_cpu_s * 1000, 2),
        "parse_cpu_ms": round(parse_cpu_s * 1000, 2),
        "cpu_bound_messages_per_s": round(messages / (renderer_cpu_s + parse_cpu_s)),
        "baseline_rows": n_rows,
        "baseline_calls": n_rows * 3,
        "baseline_ms": round(baseline_s * 1000, 1),
        "baseline_rows_per_s": round(n_rows / baseline_s, 1),
        "speedup": round((messages / full_s) / (n_rows / baseline_s), 1),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
