"""Bad input: stored faithfully (equal to the ground truth after cleaning) or rejected with a
recorded reason, and nothing else affected.

* a full sync of ``scenarios/bad-input.json`` compared with the replica's ground truth;
* property-based tests (hypothesis) of the pure layers: text cleaning, row mapping, the
  ``data-pre-plain-text`` parser, image validation, and a store round trip;
* malformed ``data-pre-plain-text`` through ``extract-html`` on a fixture derived from a P6 page;
* a table of bad settings: exit 2 with one line naming the variable.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from faulthelpers import as_url, assert_files_clean, connect, cutoff_for, rig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kenny_wa import cli, mapping, media, parse, store
from kenny_wa.config import load_settings
from kenny_wa.model import Chat, Message
from kenny_wa.store.text import clean_text, json_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
UTC = dt.UTC


def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- the bad-input scenario end to end ----------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.slow
def test_bad_input_scenario_is_stored_faithfully_or_rejected_with_reason(tmp_path, db_url):
    with rig("bad-input", tmp_path, db_url) as r:
        truth = r.replica.ground_truth()
        res = r.sync(timeout=180)
        from kenny_wa.privacy import refs_for

        chat_ref = refs_for(r.settings())

        long_chat = next(c["thread_external_id"] for c in truth["chats"] if c["title"] == "Long Message")
        assert res.code in (0, 3), res.summary
        assert res.summary["partial_chats"] in ([], [{"chat_id": chat_ref(long_chat), "reason": "stalled"}])
        long_truth = {**truth, "messages": [m for m in truth["messages"] if m["thread_external_id"] == long_chat]}
        truth = {**truth, "messages": [m for m in truth["messages"] if m["thread_external_id"] != long_chat],
                 "chats": [c for c in truth["chats"] if c["thread_external_id"] != long_chat]}
        url = as_url(db_url)
        # every text (NUL removed, lone surrogates -> U+FFFD), name, phone-like name and id as truth
        _assert_without(url, long_chat, truth)  # every chat but the long one, exactly as the truth
        with connect(url) as conn:
            longest = conn.execute("select max(length(content_snippet)) as n from messages").fetchone()["n"]
            atts = conn.execute(
                "select a.status, a.reason from attachments a order by a.id").fetchall()
        assert longest == 102_400
        broken = sorted(a["reason"] for a in atts if a["status"] == "failed")
        # random bytes after a JPEG's first 20 bytes are no longer identifiable: not_an_image
        assert broken == sorted(["corrupt", "not_an_image", "empty", "not_an_image", "over_size_cap",
                                 "decompression_bomb"]), atts
        assert sum(a["status"] == "stored" for a in atts) == 1
        assert_files_clean(url, r.attachments, truth)
        # the rejections are counted, not fatal, and a rerun changes nothing
        again = r.sync()
        assert again.code in (0, 3) and again.summary["inserted"] == 0 and again.summary["updated"] == 0
        assert r.replica.interactions() == []
        # a 100 KB message (taller than many viewports) is scrolled through: its chat is complete
        assert res.summary["partial_chats"] == [], res.summary["partial_chats"]
        with connect(url) as conn:
            got = {row["external_id"] for row in conn.execute(
                "select external_id from messages where thread_external_id = %s", (long_chat,))}
        assert [m["external_id"] for m in long_truth["messages"] if m["external_id"] not in got] == []


def _assert_without(url, chat_id, truth):
    """assert_db_matches_truth on every chat except ``chat_id``."""
    from faulthelpers import expected_messages, row_view, stored_rows, truth_view

    rows = [r for r in stored_rows(url) if r["thread_external_id"] != chat_id]
    want = expected_messages(truth, cutoff_for())
    got = {r["external_id"]: r for r in rows}
    assert len(got) == len(rows), "duplicate rows"
    assert set(got) == set(want), (sorted(set(want) - set(got))[:5], sorted(set(got) - set(want))[:5])
    diffs = [(k, row_view(got[k]), truth_view(want[k])) for k in want if row_view(got[k]) != truth_view(want[k])]
    assert not diffs, diffs[:3]


# --- property-based: the pure layers -----------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)
NASTY = st.sampled_from([
    "\x00", "\ud83d", "\ude00", "\u202e", "\u200b", "\ufeff", "<script>", "'; DROP TABLE messages;--",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0645\u0631\u062d\u0628\u0627", "%s", "{0}", "\\",
])
MIXED = st.lists(st.one_of(ANY_TEXT, NASTY), max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_clean_text_is_storable_idempotent_and_faithful(value):
    cleaned = clean_text(value)
    assert _storable(cleaned)
    assert clean_text(cleaned) == cleaned
    if _storable(value):
        assert cleaned == value  # valid text is never altered
    assert _storable(mapping.clean(value))
    json.loads(json_text({"k": value, value: [value]}))


def _message(text, sender, kind="text", out=False):
    return Message(external_id="3A" + "0" * 18, chat_id="1@c.us", ts=dt.datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
                   is_outgoing=out, sender=sender, text=text, kind=kind, raw_data_id="x", era="p6")


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.none(), MIXED), sender=st.one_of(st.none(), MIXED), title=MIXED,
       group=st.booleans(), people=st.lists(MIXED, max_size=4))
def test_message_rows_are_always_storable(text, sender, title, group, people):
    chat = Chat(chat_id="1@c.us", title=title, is_group=group, last_activity=None, id_source="fiber",
                participants=tuple(people))
    row = mapping.message_row(_message(text, sender), chat, load_settings({}))
    for key in ("sender_id", "content_snippet", "external_id", "thread_external_id"):
        assert row[key] is None or _storable(row[key])
    assert all(_storable(r) for r in row["recipient_ids"])
    json.loads(json_text(row["metadata"]))
    if text and _storable(text):
        assert row["content_snippet"] == text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(MIXED, min_size=1, max_size=5))
def test_store_round_trip_of_hostile_text(db_conn, texts):
    chat = Chat(chat_id="1@c.us", title="T", is_group=False, last_activity=None, id_source="fiber")
    msgs = [Message(external_id=f"3A{i:018d}", chat_id="1@c.us", ts=dt.datetime(2026, 1, 2, 3, i, tzinfo=UTC),
                    is_outgoing=False, sender="S", text=t, kind="text", raw_data_id="x", era="p6")
            for i, t in enumerate(texts)]
    rows = mapping.message_rows(msgs, chat, load_settings({}))
    import psycopg

    with db_conn.transaction():  # rolled back: every example starts from an empty table
        store.upsert_messages(db_conn, rows)
        got = db_conn.execute("select external_id, content_snippet from messages order by external_id").fetchall()
        assert [g["content_snippet"] for g in got] == [clean_text(t) if t else None for t in texts]
        raise psycopg.Rollback()


CTX = parse.ParseContext(chat_id="1@c.us", chat_title="T", is_group=False,
                         now=dt.datetime(2026, 9, 18, 16, 0, tzinfo=UTC), locale="en-US", timezone="UTC")


@settings(max_examples=400, deadline=None)
@given(st.one_of(MIXED, st.builds(lambda t, d, s: f"[{t}, {d}] {s}: ",
                                  st.from_regex(r"\d{1,3}:\d{1,3}( ?[AP]M)?", fullmatch=True),
                                  st.from_regex(r"\d{1,4}[/.-]\d{1,4}[/.-]\d{1,5}", fullmatch=True), MIXED)))
def test_pre_plain_text_parser_never_raises(value):
    stamp, sender = parse.parse_pre_plain_text(value, CTX)
    assert stamp.ts is None or stamp.ts.tzinfo is not None
    assert stamp.ts is not None or stamp.warning  # unparsed is reported, never guessed silently
    assert sender is None or isinstance(sender, str)


@pytest.mark.parametrize(
    ("date", "order", "want"),
    [
        ("1/2/2026", "MDY", (dt.date(2026, 1, 2), None)),
        ("1/2/2026", "DMY", (dt.date(2026, 2, 1), None)),
        ("1/2/2026", None, (None, "ambiguous_date")),
        ("13/2/2026", None, (dt.date(2026, 2, 13), None)),
        ("2/13/2026", None, (dt.date(2026, 2, 13), None)),
        ("5/5/26", None, (dt.date(2026, 5, 5), None)),
        ("2/30/2026", "MDY", (None, "impossible_date")),
        ("0/0/2026", "DMY", (None, "impossible_date")),
        ("2026-02-01", None, (dt.date(2026, 2, 1), None)),
        ("yesterday", "MDY", (None, "unparsed_date")),
    ],
)
def test_ambiguous_and_impossible_dates(date, order, want):
    assert parse.parse_date(date, order) == want


def test_local_times_skipped_or_repeated_by_dst():
    assert parse.to_utc(dt.date(2026, 3, 29), 1, 30, "Europe/Lisbon")[1] == "nonexistent_local_time"
    ts, warning = parse.to_utc(dt.date(2026, 10, 25), 1, 30, "Europe/Lisbon")
    assert ts is not None and warning == "ambiguous_local_time"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096))
def test_image_validation_never_raises_anything_but_a_rejection(data):
    try:
        info = media.validate_image(data, max_pixels=40_000_000, max_bytes=16 * 1024 * 1024)
    except media.ImageRejected as exc:
        assert exc.reason in media.REJECT_REASONS
    else:
        assert info.ext in ("jpg", "png", "webp", "gif")


def test_prefix_mutations_of_a_real_image_are_rejected_or_valid():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buf, "PNG")
    good = buf.getvalue()
    for cut in range(0, len(good), 7):
        try:
            media.validate_image(good[:cut], max_pixels=10_000)
        except media.ImageRejected as exc:
            assert exc.reason in ("empty", "corrupt", "not_an_image")
    with pytest.raises(media.ImageRejected) as info:
        media.validate_image(good, max_pixels=100)
    assert info.value.reason == "decompression_bomb"
    with pytest.raises(media.ImageRejected) as info:
        media.validate_image(good, max_pixels=10_000, max_bytes=10)
    assert info.value.reason == "over_size_cap"


# --- malformed data-pre-plain-text through extract-html ------------------------------------------

MALFORMED = [
    "",
    "garbage without brackets",
    "[25:99\u202fPM, 13/45/2026] Lena Fischer: ",
    "[9:41\u202fAM] Lena Fischer: ",
    "[9:41\u202fAM, 9/12/2026]",
    "[9:41\u202fAM, 9/12/2026] " + "A" * 5000 + ": ",
    "[<script>alert(1)</script>, 9/12/2026] x: ",
]


@pytest.mark.e2e
@pytest.mark.slow
def test_extract_html_survives_malformed_pre_plain_text(tmp_path):
    from kenny_wa.browser import offline

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium")
    html = (FIXTURES / "p6_direct.html").read_text(encoding="utf-8")
    values = re.findall(r'data-pre-plain-text="([^"]*)"', html)
    assert len(values) >= 3
    import html as htmllib

    broken = html
    for i, bad in enumerate(MALFORMED[: len(values)]):
        broken = broken.replace(f'data-pre-plain-text="{values[i]}"',
                                f'data-pre-plain-text="{htmllib.escape(bad, quote=True)}"', 1)
    page = tmp_path / "malformed.html"
    page.write_text(broken, encoding="utf-8")
    window = offline.extract_html_window(page, locale="en-US", timezone="America/New_York",
                                              now=dt.datetime(2026, 9, 18, 16, 0, tzinfo=UTC),
                                              chat_title="Lena Fischer")
    good = offline.extract_html_window(FIXTURES / "p6_direct.html", locale="en-US",
                                            timezone="America/New_York",
                                            now=dt.datetime(2026, 9, 18, 16, 0, tzinfo=UTC),
                                            chat_title="Lena Fischer")
    # rows whose header is unusable are dated from the day separator + meta time, or keep no
    # time at all (ts None): never given an invented timestamp; the other rows are unaffected
    good_by_id = {m.external_id: m for m in good.messages}
    for m in window.messages:
        assert m.ts is None or m.ts.tzinfo is not None
        if m.external_id in good_by_id:
            assert m.text == good_by_id[m.external_id].text
    assert len(window.messages) >= len(good.messages) - len(MALFORMED)
    # and the CLI prints JSON without failing
    assert cli.main(["extract-html", str(page), "--json", "--locale", "en-US"]) in (0, 6)


# --- bad settings -----------------------------------------------------------------------------

BAD_SETTINGS = [
    ("WHATSAPP_SYNC_LOOKBACK_DAYS", "0"),
    ("WHATSAPP_SYNC_LOOKBACK_DAYS", "thirty"),
    ("WHATSAPP_SYNC_INTERVAL_MINUTES", "-5"),
    ("IMAGE_PROCESSING_ENABLED", "maybe"),
    ("PG_URL", "mysql://root:hunter2@db/x"),
    ("PG_URL", "postgresql://u:p@h:notaport/db"),
    ("WHATSAPP_WEB_URL", "ftp://web.whatsapp.com"),
    ("WHATSAPP_SELECTOR_PROFILE", "p9"),
    ("WHATSAPP_BROWSER_LOCALE", "english"),
    ("WHATSAPP_BROWSER_TIMEZONE", "Mars/Olympus"),
    ("WHATSAPP_MEDIA_MAX_BYTES", "0"),
    ("KENNY_WA_HEALTH_PORT", "70000"),
    ("KENNY_WA_LOG_LEVEL", "CHATTY"),
    ("WHATSAPP_AGENT_KEYWORDS", "|||"),
    ("WHATSAPP_HEADLESS", "\u200btrue"),
    ("WHATSAPP_ENABLE_SENDING", "true"),
    ("WHATSAPP_ENABLE_SENDING", "perhaps"),
    ("ATTACHMENTS_DIR", "   "),
]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_bad_setting_exits_2_with_one_line(variable, value, monkeypatch, capsys):
    for key in list(__import__("os").environ):
        if key.startswith(("WHATSAPP_", "KENNY_WA_", "PG_URL", "ATTACHMENTS_DIR", "IMAGE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv(variable, value)
    assert cli.main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kenny-wa: ") and variable in err, err
    if variable == "PG_URL":
        assert "hunter2" not in err and value not in err  # a URL may hold a password
