"""Reading order, scripts and the character error rate (pure functions of kenny_wa.ocr)."""

from __future__ import annotations

import math

import pytest

from kenny_wa.ocr import layout
from kenny_wa.ocr.metrics import character_error_rate, edit_distance, normalise


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"text": text, "box": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "confidence": 0.9}


def test_rows_put_a_price_next_to_its_item_and_read_top_down():
    shuffled = [
        line("9.20", 400, 150, 450, 175),
        line("TOTAL", 30, 149, 120, 174),
        line("CORNER BAKERY", 30, 30, 220, 55),
        line("5.80", 400, 72, 450, 96),  # a little lower than its item: still one row
        line("Croissant", 30, 70, 180, 94),
    ]
    grouped = layout.rows(shuffled)
    assert [[entry["text"] for entry in row] for row in grouped] == [
        ["CORNER BAKERY"],
        ["Croissant", "5.80"],
        ["TOTAL", "9.20"],
    ]
    assert layout.text(grouped) == "CORNER BAKERY\nCroissant 5.80\nTOTAL 9.20"
    assert [entry["text"] for entry in layout.reading_order(grouped)][:3] == [
        "CORNER BAKERY",
        "Croissant",
        "5.80",
    ]


def test_lines_that_barely_touch_are_separate_rows():
    grouped = layout.rows([line("upper", 0, 0, 100, 20), line("lower", 0, 15, 100, 35)])
    assert layout.text(grouped) == "upper\nlower"
    assert layout.rows([]) == []


def tilted(text: str, x0: float, y0: float, width: float, height: float, degrees: float) -> dict:
    """A line box of ``width`` x ``height`` whose top-left corner is at (x0, y0), rotated."""
    a = math.radians(degrees)
    dx, dy = (math.cos(a), math.sin(a)), (-math.sin(a), math.cos(a))
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    box = [[x0 + u * dx[0] + v * dy[0], y0 + u * dx[1] + v * dy[1]] for u, v in corners]
    return {"text": text, "box": box, "confidence": 0.9}


def test_lines_of_a_tilted_page_stay_apart_and_in_order():
    # a page photographed rotated by 6 degrees: long lines 36 px apart, their axis-aligned
    # extents overlap by far more than half a line
    lines = [tilted(f"line {n}", 100 - n * 4, 120 + n * 36, 600, 24, 6) for n in range(5)]
    lines.append(
        tilted(
            "9.20",
            100 + 620 * math.cos(math.radians(6)) - 2 * 36 * math.sin(math.radians(6)),
            120 + 2 * 36 + 620 * math.sin(math.radians(6)),
            50,
            24,
            6,
        )
    )
    grouped = layout.rows(reversed(lines))
    assert layout.text(grouped) == "line 0\nline 1\nline 2 9.20\nline 3\nline 4"


def test_scripts_of_recognised_text():
    assert layout.scripts("出口 EXIT 地铁") == ["Han", "Latin"]
    assert layout.scripts("EXIT 出") == ["Latin", "Han"]
    assert layout.scripts("9:00-18:00") == []
    assert layout.scripts("Ωμέγα καλημέρα") == ["Greek"]
    assert layout.char_script("7") is None


def test_character_error_rate():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert normalise("  TOTAL \n 9.20 ") == "TOTAL 9.20"
    assert character_error_rate("TOTAL 9.20", "TOTAL\n9.20") == 0.0  # layout is not an error
    assert character_error_rate("TOTAL 9.20", "TOTAL 9.28") == pytest.approx(0.1)
    assert character_error_rate("abc", "") == 1.0
    assert character_error_rate("", "") == 0.0
    assert character_error_rate("", "noise") == 1.0
    fullwidth_exit = "\uff25\uff38\uff29\uff34"
    assert character_error_rate(fullwidth_exit, "EXIT") == 0.0  # NFKC: full-width letters are letters
