"""Character error rate, the measure the tests and the benchmark use for recognised text."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFKC, whitespace runs collapsed to one space: layout spacing is not a recognition error."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_error_rate(expected: str, recognised: str) -> float:
    """Edit distance over the expected text's length, both normalised; 0 for two empty texts."""
    want, got = normalise(expected), normalise(recognised)
    if not want:
        return 0.0 if not got else 1.0
    return edit_distance(want, got) / len(want)
