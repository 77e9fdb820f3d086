"""The last check before a chat's batch is saved: times that cannot be true are never stored.

A wrong date (day and month swapped, a clock in the future, a row read out of place) looks
like a right one once it is in the database, and a cursor moved past now hides every later
message. So one rule, applied by :func:`kenny_wa.persist.save_chat_batch`, refuses the whole
batch (nothing of it is stored, the chat's cursor stays incomplete with the reason):

- ``future_timestamp``: a message later than now plus :data:`CLOCK_SKEW`;
- ``out_of_order``: in page order (top to bottom) a message earlier than the one above it by
  at least :data:`MINUTE_RESOLUTION` (the page shows minutes: equal minutes are in order).

Cursors and ``sync_state.last_seen_ts`` are capped at now by the store (:func:`not_after`).
"""

from __future__ import annotations

import datetime as dt

from kenny_wa.model import ChatBatch

CLOCK_SKEW = dt.timedelta(minutes=5)  # how far this machine's clock may lag the phone's
MINUTE_RESOLUTION = dt.timedelta(minutes=1)  # message times are to the minute
FUTURE_TIMESTAMP = "future_timestamp"
OUT_OF_ORDER = "out_of_order"
AMBIGUOUS_DATES = "ambiguous_dates"  # set by the reader (kenny_wa.dates), counted alike
# every reason a chat's messages are refused rather than stored: counted in the run summary
# and /metrics
REFUSAL_REASONS = (AMBIGUOUS_DATES, FUTURE_TIMESTAMP, OUT_OF_ORDER)


def refusal(batch: ChatBatch, now: dt.datetime) -> str | None:
    """The reason ``batch`` must not be stored, or None."""
    if any(m.ts > now + CLOCK_SKEW for m in batch.messages):
        return FUTURE_TIMESTAMP
    by_id = {m.external_id: m.ts for m in batch.messages}
    order = batch.page_order or [m.external_id for m in batch.messages]
    previous: dt.datetime | None = None
    for ident in order:
        ts = by_id.get(ident)
        if ts is None:
            continue
        if previous is not None and ts <= previous - MINUTE_RESOLUTION:
            return OUT_OF_ORDER
        previous = ts if previous is None else max(previous, ts)
    return None


def not_after(ts: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """``ts`` capped at ``now`` (None stays None): what a cursor may be moved to."""
    return None if ts is None else min(ts, now)
