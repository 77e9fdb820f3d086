"""Count and time every Playwright call the sync makes, by kenny_wa call site.

Profilers sampling the main thread see Playwright's greenlet event loop, not which kenny-wa
line is waiting. This wraps the public methods of the sync API classes so each call records
(method, nearest kenny_wa frame) → (calls, seconds). Nested calls (a sync API method calling
another) are counted once, at the outermost level.
"""

from __future__ import annotations

import collections
import functools
import sys
import time
from typing import Any

_stats: dict[tuple[str, str], list[float]] = collections.defaultdict(lambda: [0, 0.0])
_depth = 0


def _site() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/kenny_wa/" in name:
            return f"{name.split('/kenny_wa/', 1)[1]}:{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def _wrap(cls_name: str, name: str, func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _depth
        if _depth:
            return func(*args, **kwargs)
        _depth += 1
        site = _site()
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            _depth -= 1
            entry = _stats[(f"{cls_name}.{name}", site)]
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    return wrapper


def install() -> None:
    from playwright.sync_api import _generated as g

    for cls_name in (
        "Page",
        "Frame",
        "Locator",
        "JSHandle",
        "ElementHandle",
        "Mouse",
        "Keyboard",
        "BrowserContext",
    ):
        cls = getattr(g, cls_name)
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or not callable(value) or isinstance(value, property):
                continue
            setattr(cls, name, _wrap(cls_name, name, value))


def report(top: int = 25) -> list[dict[str, Any]]:
    rows = sorted(_stats.items(), key=lambda kv: kv[1][1], reverse=True)[:top]
    return [
        {
            "call": k[0],
            "site": k[1],
            "calls": int(v[0]),
            "seconds": round(v[1], 3),
            "ms_per_call": round(v[1] / v[0] * 1000, 2),
        }
        for k, v in rows
    ]


def totals() -> dict[str, Any]:
    calls = sum(int(v[0]) for v in _stats.values())
    seconds = sum(v[1] for v in _stats.values())
    return {"calls": calls, "seconds": round(seconds, 2)}
