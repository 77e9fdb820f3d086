"""Replica images with drawn text: deterministic bytes, the drawn text in the ground truth."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from kenny_wa.replica import ground_truth, images, scenario, text_images

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("style", text_images.STYLES)
def test_each_style_is_stable_and_decodes_to_its_declared_type(style):
    data = text_images.render(style, 7)
    assert data == text_images.render(style, 7)
    assert data != text_images.render(style, 8)
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == text_images.SIZES[style]
        assert Image.MIME[img.format] == text_images.MEDIA_TYPES[style]
    text = text_images.drawn_text(style, 7)
    assert text and text == text_images.drawn_text(style, 7)


def test_receipt_rows_total_their_items():
    rows = text_images._rows("receipt", 3)
    items = rows[2:-1]
    cents = [int(price.replace(".", "")) for _name, price in items]
    assert rows[-1] == ("TOTAL", f"{sum(cents) // 100}.{sum(cents) % 100:02d}")
    assert text_images.drawn_text("receipt", 3).splitlines()[-1] == " ".join(rows[-1])


def test_chinese_sign_has_han_text():
    from kenny_wa.ocr import layout

    assert "Han" in layout.scripts(text_images.drawn_text("sign_zh", 1))


def test_default_scenario_has_every_style_with_its_text_in_the_ground_truth():
    scn = scenario.load("default", now=NOW)
    truth = ground_truth.ground_truth(scn, "me")
    with_text = [m for m in truth["messages"] for a in m["attachments"] if a.get("text")]
    by_id = {m.id: m for c in scn.chats for m in c.messages}
    styles = [by_id[m["external_id"]].attachment.text_style for m in with_text]
    assert sorted(styles) == sorted(text_images.STYLES)
    for m in with_text:
        att = by_id[m["external_id"]].attachment
        assert m["attachments"][0]["text"] == text_images.drawn_text(att.text_style, att.seed)
        assert m["attachments"][0]["media_type"] == text_images.MEDIA_TYPES[att.text_style]
        assert NOW - by_id[m["external_id"]].ts <= scenario.TEXT_IMAGE_MAX_AGE
    plain = [
        a for m in truth["messages"] for a in m["attachments"] if m["kind"] == "image" and a["text"] is None
    ]
    assert plain, "most images stay without text"


def test_drawing_text_changes_nothing_but_those_images():
    with_text = scenario.generate("x", scenario.GenParams(), 1, NOW)
    without = scenario.generate("x", scenario.GenParams(text_images=0), 1, NOW)
    ids_a = [(m.id, m.ts, m.kind, m.text) for c in with_text.chats for m in c.messages]
    ids_b = [(m.id, m.ts, m.kind, m.text) for c in without.chats for m in c.messages]
    assert ids_a == ids_b
    changed = [
        ma
        for ca, cb in zip(with_text.chats, without.chats, strict=True)
        for ma, mb in zip(ca.messages, cb.messages, strict=True)
        if ma.kind == "image" and images.media_bytes(ma.attachment) != images.media_bytes(mb.attachment)
    ]
    assert len(changed) == len(text_images.STYLES)
    assert all(m.attachment.text_style for m in changed)


def test_a_missing_font_names_its_package(monkeypatch, tmp_path):
    monkeypatch.setattr(text_images, "FONT_DIRS", (tmp_path,))
    text_images.font.cache_clear()
    try:
        with pytest.raises(text_images.FontMissing, match="fonts-wqy-microhei"):
            text_images.font("zh", 12)
    finally:
        text_images.font.cache_clear()


def test_a_hand_made_scenario_names_the_style_of_an_image(tmp_path):
    import json

    spec = {
        "name": "hand",
        "chats": [
            {
                "contact": {"name": "Ana Costa", "phone": "+1 555 0100 201"},
                "messages": [
                    {"from": "them", "minutes_ago": 30, "kind": "image", "text_image": "receipt"},
                    {"from": "them", "minutes_ago": 20, "kind": "image"},
                ],
            }
        ],
    }
    path = tmp_path / "hand.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    truth = ground_truth.ground_truth(scenario.load(str(path), now=NOW), "me")
    texts = [m["attachments"][0]["text"] for m in truth["messages"] if m["kind"] == "image"]
    assert texts[1] is None and texts[0].splitlines()[-1].startswith("TOTAL ")
