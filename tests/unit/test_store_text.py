"""clean_text / clean_json / json_text: what PostgreSQL accepts, whatever the page sends."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kenny_wa.store.text import clean_json, clean_text, json_text


def test_none_and_plain_text_pass_through():
    assert clean_text(None) is None
    assert clean_text("hello") == "hello"
    assert clean_text("olá 😀") == "olá 😀"


def test_nul_bytes_are_removed():
    assert clean_text("a\x00b\x00") == "ab"


def test_lone_surrogates_become_replacement_characters():
    assert clean_text("ab\ud83d") == "ab\ufffd"
    assert clean_text("\ude00x") == "\ufffdx"


def test_split_surrogate_pair_is_mended():
    assert clean_text("a\ud83d\ude00b") == "a😀b"


def test_clean_json_cleans_keys_values_and_nesting():
    dirty = {"k\x00": ["x\ud83d", {"n": "a\x00"}], "t": ("y",), "n": 1, "b": True, "z": None}
    assert clean_json(dirty) == {"k": ["x\ufffd", {"n": "a"}], "t": ["y"], "n": 1, "b": True, "z": None}


def test_json_text_escapes_nothing_postgres_rejects():
    text = json_text({"a": "x\x00y", "b": ["\ud83d"]})
    assert "\\u0000" not in text
    assert json.loads(text) == {"a": "xy", "b": ["\ufffd"]}
    text.encode("utf-8")


@given(st.text())
def test_clean_text_always_encodes_and_has_no_nul(value):
    cleaned = clean_text(value)
    cleaned.encode("utf-8")
    assert "\x00" not in cleaned


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_clean_text_keeps_valid_text_without_nul(value):
    assert clean_text(value) == value.replace("\x00", "")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_json_text_is_always_storable(value):
    text = json_text(value)
    text.encode("utf-8")
    assert "\\u0000" not in text.replace("\\\\", "")
    json.loads(text)
