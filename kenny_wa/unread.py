"""Whether a chat that needs reading may be opened, under ``WHATSAPP_UNREAD_CHATS``.

Opening a chat on WhatsApp Web marks its unread messages read (blue ticks for the senders,
no badge left on the phone). Every path that opens a chat asks :func:`decide` first:

- ``READ``: open it and leave it read (no badge, or the policy ``read``).
- ``DEFER``: do not open it; a later run reads it once the badge is gone (policy ``defer``).
- ``RESTORE``: open it, read it, then "Mark as unread" from its menu (policy ``restore``, or a
  chat deferred for longer than ``WHATSAPP_UNREAD_DEFER_HOURS``).

Pure: the caller passes what the row shows and what the database remembers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kenny_wa.config import Settings

READ = "read"
DEFER = "defer"
RESTORE = "restore"


@dataclasses.dataclass(frozen=True, slots=True)
class Remembered:
    """What the database holds about a chat's read state (``chat_unread``)."""

    deferred_since: dt.datetime | None = None  # first run that left the badged chat unopened
    restore_pending_since: dt.datetime | None = None  # opened under restore, not yet marked


def decide(
    *, badged: bool, settings: Settings, remembered: Remembered | None, now: dt.datetime
) -> str:
    """READ, DEFER or RESTORE for a chat whose list row shows activity to read.

    A chat a killed run opened under restore and never marked unread again is restored now
    (its badge is gone because kenny-wa read it, not the person).
    """
    remembered = remembered or Remembered()
    policy = settings.unread_chats
    if policy == READ:
        return READ
    if not badged:
        return RESTORE if remembered.restore_pending_since is not None else READ
    if policy == RESTORE or deferred_too_long(remembered, settings, now=now):
        return RESTORE
    return DEFER


def deferred_too_long(remembered: Remembered, settings: Settings, *, now: dt.datetime) -> bool:
    """Has the chat waited longer than WHATSAPP_UNREAD_DEFER_HOURS (0: never too long)?"""
    hours = settings.unread_defer_hours
    since = remembered.deferred_since
    return bool(hours) and since is not None and now - since >= dt.timedelta(hours=hours)


def restore_without_opening(
    *, badged: bool, settings: Settings, remembered: Remembered | None
) -> bool:
    """Must a chat that needs no reading be marked unread again anyway? Only one a killed run
    opened under restore, whose badge has not come back by itself."""
    pending = remembered is not None and remembered.restore_pending_since is not None
    return pending and not badged and settings.unread_chats != READ
