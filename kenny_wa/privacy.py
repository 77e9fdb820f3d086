"""Pseudonymous references for what leaves the database (logs, summaries, metrics, artifacts).

Chat ids are JIDs whose user part is often a phone number, and fallback ids carry the chat
title, so neither may be printed. ``chat_ref`` is a short, stable reference keyed with a
secret of this installation (HMAC-SHA-256): the same chat gets the same ref in every run, but
without the key a list of phone numbers cannot be turned into refs (a bare hash of the id
could be reversed by trying numbers). The key is created on first use as an owner-only file
in ``KENNY_WA_STATE_DIR``; ``kenny-wa status --chat-ref`` maps a ref back for the owner by
keying every chat id the database holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from kenny_wa.config import Settings
from kenny_wa.errors import UnusablePath

KEY_FILE = "chat-ref.key"
KEY_BYTES = 32
REF = re.compile(r"^chat-[0-9a-f]{12}$")
OWNER_ONLY_UMASK = 0o077


def owner_only_umask() -> None:
    """Everything this process and its children (Chromium, PostgreSQL) create from now on is
    owner-only (folders 0700, files 0600), whatever the caller's umask."""
    os.umask(OWNER_ONLY_UMASK)


def chat_ref(chat_id: str, key: bytes) -> str:
    """``chat-<12 hex>``: the keyed pseudonym of a chat id (pure)."""
    digest = hmac.new(key, chat_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return "chat-" + digest[:12]


def installation_key(state_dir: Path) -> bytes:
    """This installation's ref key: read ``<state_dir>/chat-ref.key``, or create it (0600).

    Two processes creating it at once agree: the key is written to a private temp file and
    linked into place, so exactly one file wins and both read it.
    """
    path = state_dir / KEY_FILE
    key = _read_key(path)
    if key is not None:
        return key
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = state_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES).hex().encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    key = _read_key(path)
    if key is None:
        raise UnusablePath("KENNY_WA_STATE_DIR", state_dir, f"{KEY_FILE} there is not a valid key")
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def refs_for(settings: Settings) -> Callable[[str], str]:
    """``chat_id -> ref`` with this installation's key (created on first use)."""
    key = installation_key(settings.state_dir)
    return lambda chat_id: chat_ref(chat_id, key)


def resolve_ref(ref: str, chat_ids: Iterable[str], key: bytes) -> list[str]:
    """The chat ids among ``chat_ids`` whose ref is ``ref`` (pure; more than one is a collision)."""
    return [chat_id for chat_id in chat_ids if hmac.compare_digest(chat_ref(chat_id, key), ref)]
