"""Identifier shapes that imitate WhatsApp's: message ids by device, JIDs, invented phone numbers."""

from __future__ import annotations

import random

HEX = "0123456789ABCDEF"
DEVICES = ("ios", "android", "web")


def message_id(rng: random.Random, device: str) -> str:
    """A bare message id shaped like the sender device's (iOS 20, web 22, android 32 hex chars)."""
    if device == "ios":
        return "3A" + "".join(rng.choice(HEX) for _ in range(18))
    if device == "web":
        return "3EB0" + "".join(rng.choice(HEX) for _ in range(18))
    return rng.choice(("A5", "AC")) + "".join(rng.choice(HEX) for _ in range(30))


def fictional_phone(rng: random.Random, used: set[str]) -> tuple[str, str]:
    """(display, digits) in ranges reserved for fiction: US 555-01xx and UK 07700 900xxx."""
    while True:
        if rng.random() < 0.7:
            mid, tail = rng.randint(100, 199), rng.randint(0, 999)
            display = f"+1 555 0{mid:03d} {tail:03d}"
        else:
            display = f"+44 7700 900{rng.randint(0, 999):03d}"
        digits = "".join(c for c in display if c.isdigit())
        if digits not in used:
            used.add(digits)
            return display, digits


def lid(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = str(rng.randint(10**14, 3 * 10**14 - 1))
        if digits not in used:
            used.add(digits)
            return f"{digits}@lid"


def group_jid(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = "120363" + "".join(rng.choice("0123456789") for _ in range(12))
        if digits not in used:
            used.add(digits)
            return f"{digits}@g.us"


def normalise_jid(jid: str) -> str:
    return jid.replace("@s.whatsapp.net", "@c.us")
