"""Pure helpers on recognised lines: reading order, the joined text, each line's script.

A line is ``{"text", "box", "confidence"}`` with ``box`` the four corners (x, y) the engine
found, clockwise from the top left, in the original image's pixels.
"""

from __future__ import annotations

import math
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


def _slope(lines: Sequence[Line]) -> float:
    """The page's tilt: the median angle of the lines' top edges (a photo taken at an angle)."""
    angles = sorted(
        math.atan2(line["box"][1][1] - line["box"][0][1], line["box"][1][0] - line["box"][0][0])
        for line in lines
    )
    return angles[len(angles) // 2] if angles else 0.0


def _placed(line: Line, angle: float) -> tuple[float, float, float]:
    """(x, y) of the box's centre in the page's own frame (tilt undone), and the box's height."""
    box = line["box"]
    cx, cy = sum(x for x, _y in box) / 4, sum(y for _x, y in box) / 4
    cos, sin = math.cos(angle), math.sin(angle)
    height = (math.dist(box[0], box[3]) + math.dist(box[1], box[2])) / 2
    return cos * cx + sin * cy, -sin * cx + cos * cy, height


def rows(lines: Iterable[Line]) -> list[list[Line]]:
    """Lines grouped into rows, top to bottom, each row left to right.

    Positions are taken in the page's frame (the median tilt of the lines undone), so the
    rows of a page photographed at an angle do not run into each other. A line joins the
    row above when its centre is within half a line height of that row's centre (a
    receipt's "item .... price" is two boxes on one row).
    """
    items = list(lines)
    angle = _slope(items)
    placed = sorted(((*_placed(line, angle), line) for line in items), key=lambda p: p[1])
    grouped: list[list[tuple[float, float, float, Line]]] = []
    for entry in placed:
        if grouped:
            row = grouped[-1]
            centre = sum(p[1] for p in row) / len(row)
            height = min(min(p[2] for p in row), entry[2])
            if abs(entry[1] - centre) < height / 2:
                row.append(entry)
                continue
        grouped.append([entry])
    return [[p[3] for p in sorted(row, key=lambda p: p[0])] for row in grouped]


def reading_order(grouped: Sequence[Sequence[Line]]) -> list[Line]:
    """The lines of ``rows(...)`` in reading order."""
    return [line for row in grouped for line in row]


def text(grouped: Sequence[Sequence[Line]]) -> str:
    """One text line per row, the row's boxes joined by a space."""
    return "\n".join(" ".join(line["text"] for line in row) for row in grouped)
