"""QR payloads shaped like WhatsApp's `data-ref` and their module matrix for the page canvas."""

from __future__ import annotations

import base64
import os

import segno


def new_ref() -> str:
    """`2@<ref>,<noise pubkey>=,<identity pubkey>=,<adv secret>=` (4 comma-separated parts)."""
    ref = base64.b64encode(os.urandom(66)).decode()
    keys = [base64.b64encode(os.urandom(32)).decode() for _ in range(3)]
    return "2@" + ",".join([ref, *keys])


def matrix(payload: str) -> list[str]:
    """Rows of '0'/'1' including the quiet zone; the page draws them on a canvas."""
    q = segno.make(payload, error="l", micro=False)
    return ["".join("1" if v else "0" for v in row) for row in q.matrix_iter(border=2)]
