"""The scroll rate limit: the one place in the browser layer that sleeps.

``WHATSAPP_SCROLL_MIN_INTERVAL_MS`` is the minimum time between two scroll actions; each
interval gets up to 50 % random jitter so the cadence is not perfectly regular. 0 turns it
off. Waiting for page *state* never sleeps: it waits on conditions (``wait_for_function``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

JITTER = 0.5


class RateLimiter:
    """Space calls to :meth:`wait` at least ``min_interval_ms`` (+ jitter) apart."""

    def __init__(
        self,
        min_interval_ms: int,
        *,
        jitter: float = JITTER,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.interval_s = max(0, min_interval_ms) / 1000.0
        self.jitter = jitter
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._last: float | None = None
        self.slept_s = 0.0  # total, for stats

    @property
    def off(self) -> bool:
        """No spacing: an action may be taken at any time (so also ahead of being asked for)."""
        return self.interval_s <= 0

    def wait(self) -> None:
        """Block until the next action is allowed, then record it as taken."""
        if self.off:
            return
        now = self._clock()
        if self._last is not None:
            due = self._last + self.interval_s * (1.0 + self._rand() * self.jitter)
            if now < due:
                self._sleep(due - now)
                self.slept_s += due - now
                now = self._clock()
        self._last = now
