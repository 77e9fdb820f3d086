"""Backoff between failing runs: pure decisions, no I/O.

After consecutive failures (UI drift, HTTP 429, a crashed browser...) the scheduler keeps
starting runs every ``WHATSAPP_SYNC_INTERVAL_MINUTES``; each run first asks :func:`decide`
whether the stored ``sync_state.backoff_until`` is still in the future and, if so, ends at
once without opening the browser. A successful run resets the failure count and clears
``backoff_until`` (the data layer does that when it records the run).

The delay itself is the data layer's policy (``sync_state_record`` in
``kenny_wa/store/queries.sql``): ``interval * 2^(failures - 1)``, at most 6 hours, so a broken
page is polled less and less instead of being hammered every interval.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    """Whether a run may start now; ``until`` is when the backoff ends (UTC) when it may not."""

    skip: bool
    until: dt.datetime | None = None
    consecutive_failures: int = 0

    @property
    def reason(self) -> str | None:
        return "backoff" if self.skip else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "skip": self.skip,
            "reason": self.reason,
            "until": self.until.isoformat() if self.until else None,
            "consecutive_failures": self.consecutive_failures,
        }


def decide(state: Mapping[str, Any] | None, now: dt.datetime) -> Decision:
    """Skip this run while ``now`` is before the stored ``backoff_until``.

    ``state`` is the ``sync_state`` row as a mapping (or None before the first run).
    Naive datetimes are taken as UTC.
    """
    if not state:
        return Decision(skip=False)
    failures = int(state.get("consecutive_failures") or 0)
    until = as_aware_utc(state.get("backoff_until"))
    if until is not None and as_aware_utc(now) < until:
        return Decision(skip=True, until=until, consecutive_failures=failures)
    return Decision(skip=False, until=None, consecutive_failures=failures)


def as_aware_utc(value: Any) -> dt.datetime | None:
    """A datetime (or ISO string) as an aware datetime; naive values are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
