"""Pure helpers on recognised lines: reading order, the joined text, each line's script.

A line is ``{"text", "box", "confidence"}`` with ``box`` the four corners (x, y) the engine
found, clockwise from the top left, in the original image's pixels.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

Line = dict[str, Any]

# Unicode character-name prefixes -> script, for the scripts the pinned models read.
_SCRIPT_PREFIXES = (
    ("CJK", "Han"),
    ("HIRAGANA", "Hiragana"),
    ("KATAKANA", "Katakana"),
    ("HANGUL", "Hangul"),
    ("LATIN", "Latin"),
    ("FULLWIDTH LATIN", "Latin"),
    ("GREEK", "Greek"),
    ("CYRILLIC", "Cyrillic"),
    ("ARABIC", "Arabic"),
)


def char_script(ch: str) -> str | None:
    """The script of one letter, or None for digits, punctuation and unknown letters."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for prefix, script in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return script
    return None


def scripts(text: str) -> list[str]:
    """The scripts of ``text``'s letters, most frequent first (ties: first seen)."""
    counts: dict[str, int] = {}
    for ch in text:
        script = char_script(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return sorted(counts, key=lambda s: -counts[s])


def _top(line: Line) -> float:
    return min(y for _x, y in line["box"])


def _bottom(line: Line) -> float:
    return max(y for _x, y in line["box"])


def _left(line: Line) -> float:
    return min(x for x, _y in line["box"])


def rows(lines: Iterable[Line]) -> list[list[Line]]:
    """Lines grouped into rows, top to bottom, each row left to right.

    A line joins the row above when their vertical extents overlap by more than half of the
    shorter one (a receipt's "item .... price" is two boxes on one row).
    """
    grouped: list[list[Line]] = []
    for line in sorted(lines, key=_top):
        if grouped:
            row = grouped[-1]
            top, bottom = min(map(_top, row)), max(map(_bottom, row))
            overlap = min(bottom, _bottom(line)) - max(top, _top(line))
            shorter = min(bottom - top, _bottom(line) - _top(line))
            if shorter > 0 and overlap > shorter / 2:
                row.append(line)
                continue
        grouped.append([line])
    return [sorted(row, key=_left) for row in grouped]


def reading_order(grouped: Sequence[Sequence[Line]]) -> list[Line]:
    """The lines of ``rows(...)`` in reading order."""
    return [line for row in grouped for line in row]


def text(grouped: Sequence[Sequence[Line]]) -> str:
    """One text line per row, the row's boxes joined by a space."""
    return "\n".join(" ".join(line["text"] for line in row) for row in grouped)
