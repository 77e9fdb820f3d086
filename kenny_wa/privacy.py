"""Pseudonymous references for what leaves the database (logs, summaries, metrics, artifacts).

Chat ids are JIDs whose user part is often a phone number, and fallback ids carry the chat
title, so neither may be printed. ``chat_ref`` is a short, stable, one-way reference: the
same chat gets the same ref in every run, and ``kenny-wa status`` can map it back from the
database for the owner.
"""

from __future__ import annotations

import hashlib
import os

OWNER_ONLY_UMASK = 0o077


def owner_only_umask() -> None:
    """Everything this process and its children (Chromium, PostgreSQL) create from now on is
    owner-only (folders 0700, files 0600), whatever the caller's umask."""
    os.umask(OWNER_ONLY_UMASK)


def chat_ref(chat_id: str) -> str:
    """``chat-<12 hex>``: a stable pseudonym of a chat id."""
    return "chat-" + hashlib.sha256(chat_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
