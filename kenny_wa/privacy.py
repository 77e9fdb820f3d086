"""Pseudonymous references for what leaves the database (logs, summaries, metrics, artifacts).

Chat ids are JIDs whose user part is often a phone number, and fallback ids carry the chat
title, so neither may be printed. ``chat_ref`` is a short, stable, one-way reference: the
same chat gets the same ref in every run, and ``kenny-wa status`` can map it back from the
database for the owner.
"""

from __future__ import annotations

import hashlib


def chat_ref(chat_id: str) -> str:
    """``chat-<12 hex>``: a stable pseudonym of a chat id."""
    return "chat-" + hashlib.sha256(chat_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
