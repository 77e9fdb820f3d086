"""Text hygiene for everything written to PostgreSQL.

PostgreSQL rejects NUL (``\\x00``) in text and jsonb, and psycopg cannot encode lone UTF-16
surrogates (``'\\ud83d'``), which the page can hand us when JavaScript cuts a string in the
middle of an emoji. Every string the store writes goes through :func:`clean_text`, every
JSON value through :func:`clean_json`.
"""

from __future__ import annotations

import json
from typing import Any, overload


@overload
def clean_text(value: str) -> str: ...
@overload
def clean_text(value: None) -> None: ...
def clean_text(value: str | None) -> str | None:
    """Drop NUL characters; mend surrogate pairs and replace lone surrogates with U+FFFD."""
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Round-trip through UTF-16: a split pair becomes its real character again and a lone
        # surrogate becomes one U+FFFD.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def clean_json(value: Any) -> Any:
    """Return ``value`` with :func:`clean_text` applied to every string and key, recursively.

    Tuples become lists (JSON arrays); other scalars are returned as they are.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def json_text(value: Any) -> str:
    """``value`` as compact JSON text that PostgreSQL's jsonb accepts.

    Fast path: encode once and re-encode cleaned only when the text holds an escaped NUL or a
    lone surrogate. Values JSON cannot represent are written with ``str()``.
    """
    text = _ENCODER.encode(value)
    if "\\u0000" not in text:
        if text.isascii():
            return text
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            pass
    return _ENCODER.encode(clean_json(value))
