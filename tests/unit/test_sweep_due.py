"""When the revision sweep is due (pure)."""

from __future__ import annotations

import datetime as dt

from kenny_wa import sync
from kenny_wa.config import Settings

NOW = dt.datetime(2026, 9, 20, 12, 0, tzinfo=dt.UTC)


def test_the_sweep_is_due_every_n_hours_and_on_every_run_with_zero():
    six = Settings()
    assert sync.sweep_due(six, None, NOW)  # never swept
    assert not sync.sweep_due(six, NOW - dt.timedelta(hours=5, minutes=59), NOW)
    assert sync.sweep_due(six, NOW - dt.timedelta(hours=6), NOW)
    every = Settings(revision_sweep_hours=0)
    assert sync.sweep_due(every, NOW, NOW)
