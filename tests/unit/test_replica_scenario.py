from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest

from kenny_wa.replica import images, payload, scenario
from kenny_wa.replica.ground_truth import ground_truth

NOW = dt.datetime(2026, 8, 20, 15, 30, tzinfo=dt.UTC)
KINDS = {"text", "image", "video", "gif", "voice", "document", "sticker", "deleted"}
MEDIA = {"image", "video", "gif", "voice", "document", "sticker"}
ID_SHAPES = re.compile(r"^(3A[0-9A-F]{18}|3EB0[0-9A-F]{18}|A[5C][0-9A-F]{30})$")


@pytest.fixture(scope="module")
def scn():
    return scenario.load("default", seed=7, now=NOW)


@pytest.fixture(scope="module")
def gt(scn):
    return ground_truth(scn, self_id="me")


def test_deterministic_for_seed():
    a = ground_truth(scenario.load("small", seed=3, now=NOW))
    b = ground_truth(scenario.load("small", seed=3, now=NOW))
    c = ground_truth(scenario.load("small", seed=4, now=NOW))
    assert a == b
    assert a["messages"] != c["messages"]


def test_default_shape(scn, gt):
    chats = gt["chats"]
    assert 38 <= len(chats) <= 42
    assert sum(c["is_group"] for c in chats) == 6
    assert sum(c["archived"] for c in chats) == 2
    assert {m["kind"] for m in gt["messages"]} == KINDS
    prompt = [c for c in chats if c["phone_prompt"]]
    assert prompt and all(c["history_limit"] for c in prompt)
    assert any(NOW - dt.datetime.fromisoformat(c["history_limit"]) < dt.timedelta(days=30) for c in prompt)
    assert all(c["history_limit"] is None for c in chats if not c["phone_prompt"])
    oldest = min(dt.datetime.fromisoformat(m["ts"]) for m in gt["messages"])
    assert NOW - oldest > dt.timedelta(days=30)
    assert any(re.fullmatch(r"\+[\d ]+", c["title"]) for c in chats if not c["is_group"])  # unsaved
    assert any(c["thread_external_id"].endswith("@lid") for c in chats)
    brokens = {a["broken"] for m in gt["messages"] for a in m["attachments"]}
    assert {"corrupt", "truncated", "empty", "not_image", "huge", "bomb"} <= brokens


def test_ids_and_jids(gt):
    for c in gt["chats"]:
        jid = c["thread_external_id"]
        if c["is_group"]:
            assert re.fullmatch(r"\d{18}@g\.us", jid)
        else:
            assert re.fullmatch(r"\d+@(c\.us|lid)", jid)
    ids = [m["external_id"] for m in gt["messages"]]
    assert len(ids) == len(set(ids))
    assert all(ID_SHAPES.match(i) for i in ids)


def test_message_semantics(scn, gt):
    chats = {c["thread_external_id"]: c for c in gt["chats"]}
    for m in gt["messages"]:
        chat = chats[m["thread_external_id"]]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", m["ts"])
        assert m["has_attachments"] == (m["kind"] in MEDIA) == bool(m["attachments"])
        if m["is_outgoing"]:
            assert m["sender_id"] == "me"
        else:
            assert m["sender_id"] in chat["participants"]
        if chat["is_group"]:
            everyone = set(chat["participants"]) | {"me"}
            assert m["recipient_ids"] == sorted(everyone - {m["sender_id"]})
        elif m["is_outgoing"]:
            assert m["recipient_ids"] == chat["participants"]
        else:
            assert m["recipient_ids"] == ["me"]
        if m["kind"] == "deleted":
            assert m["content_snippet"] is None and m["deleted"]
        if m["kind"] == "text":
            assert m["content_snippet"]
        for a in m["attachments"]:
            assert (a["sha256"] is not None) == (m["kind"] == "image")
            assert isinstance(a["size"], int)


def test_image_checksums_match_served_bytes(scn, gt):
    by_id = {m.id: m for c in scn.chats for m in c.messages}
    checked = 0
    for m in gt["messages"]:
        if m["kind"] == "image" and not m["attachments"][0]["broken"]:
            data = images.media_bytes(by_id[m["external_id"]].attachment)
            assert hashlib.sha256(data).hexdigest() == m["attachments"][0]["sha256"]
            assert len(data) == m["attachments"][0]["size"]
            checked += 1
            if checked > 5:
                break
    assert checked


def test_served_media_is_xor_encrypted(scn):
    msg = next(m for c in scn.chats for m in c.messages if m.kind == "image" and not m.attachment.broken)
    plain = images.media_bytes(msg.attachment)
    enc = images.xor(plain, msg.attachment.key)
    assert enc != plain and images.xor(enc, msg.attachment.key) == plain


def test_segments_roundtrip(scn):
    for c in scn.chats:
        for m in c.messages:
            if m.text:
                assert "".join(v for _, v in payload.segments(m.text)) == m.text


def test_hand_made_scenario():
    scn = scenario.load("edge-cases", seed=1, now=NOW)
    gt = ground_truth(scn, self_id="owner")
    assert any(m["sender_id"] == "owner" for m in gt["messages"])
    assert any(m["quoted_external_id"] for m in gt["messages"])


def test_large_has_its_size():
    # how long generating it takes is the benchmark's to measure, not a test's to assert
    scn = scenario.load("large", seed=1, now=NOW)
    n = sum(1 for c in scn.chats for m in c.messages if m.is_message)
    assert len(scn.chats) == 200
    assert 48_000 <= n <= 52_000


def test_ground_truth_does_not_change_with_the_page_language():
    from kenny_wa.replica.state import LANGUAGES, ReplicaState, Settings

    def truth(**lang):
        state = ReplicaState(scenario.load("small", seed=3, now=NOW), Settings(**lang))
        return {k: v for k, v in state.ground_truth().items() if k != "generated_at"}

    english = truth()
    assert all(truth(lang=lang, caps_separators=True) == english for lang in LANGUAGES)


def test_page_language_must_be_one_the_replica_speaks():
    from kenny_wa.replica.state import Settings

    settings = Settings()
    settings.update({"lang": "de-DE"})
    assert settings.lang == "de-DE"
    with pytest.raises(ValueError, match="lang must be one of"):
        settings.update({"lang": "it-IT"})
    settings.update({"lang": None})  # the browser's language again
    assert settings.lang is None


def test_page_words_are_not_in_the_payload(scn):
    """Kind labels, deleted texts and "You" come from the page in its language, not the server."""
    by_id = {m.id: m for c in scn.chats for m in c.messages}
    rows = [payload.message(m, by_id) for c in scn.chats for m in c.messages]
    quotes = [r["quoted"] for r in rows if "quoted" in r]
    assert quotes and all(q["author"] is None for q in quotes if q["out"])
    msgs = list(by_id.values())
    deleted = [m for m in msgs if m.kind == "deleted"]
    bare_photos = [m for m in msgs if m.kind == "image" and not m.text]
    assert deleted and bare_photos
    assert all(payload.summary_text(m) is None for m in deleted + bare_photos)
    notices = [r for r in rows if r["kind"] == "system"]
    assert notices and all(r["notice"][0] in {"created", "added", "description", "icon"} for r in notices)
