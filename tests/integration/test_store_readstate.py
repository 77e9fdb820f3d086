"""The remembered read state (``chat_unread``) on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

from kenny_wa import store
from kenny_wa.unread import Remembered

T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


def test_deferrals_keep_their_first_time_and_settle_after_a_full_walk(db_conn):
    store.record_deferred(db_conn, ["a@c.us", "b@c.us"], now=T0, settle=True)
    later = T0 + dt.timedelta(hours=3)
    store.record_deferred(db_conn, ["a@c.us", "c@c.us"], now=later, settle=False)  # a failed run
    got = store.get_read_state(db_conn)
    assert got["a@c.us"].deferred_since == T0  # still the first time it was left
    assert got["b@c.us"].deferred_since == T0  # an interrupted run settles nothing
    assert got["c@c.us"].deferred_since == later
    assert store.unread_waiting(db_conn) == {"chats": 3, "oldest": T0}
    store.record_deferred(db_conn, ["c@c.us"], now=later, settle=True)
    assert set(store.get_read_state(db_conn)) == {"c@c.us"}
    assert store.unread_waiting(db_conn) == {"chats": 1, "oldest": later}


def test_a_pending_restore_survives_settling_until_restored(db_conn):
    store.note_restore_pending(db_conn, "g@g.us")
    db_conn.commit()
    store.record_deferred(db_conn, [], now=T0, settle=True)
    state = store.get_read_state(db_conn)["g@g.us"]
    assert state.deferred_since is None and state.restore_pending_since is not None
    assert store.unread_waiting(db_conn)["chats"] == 0
    store.note_restored(db_conn, "g@g.us")
    assert store.get_read_state(db_conn)["g@g.us"] == Remembered(None, None)
    store.record_deferred(db_conn, [], now=T0, settle=True)
    assert store.get_read_state(db_conn) == {}


def test_deferred_chats_keep_the_latest_title_the_list_showed(db_conn):
    store.record_deferred(db_conn, ["a@c.us", "g@g.us"], now=T0, settle=False,
                          titles={"a@c.us": "Invented A", "g@g.us": "Invented Group"})
    later = T0 + dt.timedelta(hours=1)
    store.record_deferred(db_conn, ["g@g.us"], now=later, settle=False, titles={"g@g.us": "Renamed Group"})
    store.record_deferred(db_conn, ["a@c.us"], now=later, settle=False)  # no title known: kept
    assert store.deferred_chats(db_conn) == [
        {"chat_id": "a@c.us", "title": "Invented A", "deferred_since": T0},
        {"chat_id": "g@g.us", "title": "Renamed Group", "deferred_since": T0},
    ]
