"""The result of one sync run: what ``sync --json`` prints, the flow returns and the run row holds.

It carries counts, chat ids and fixed reason codes only, never message content.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kenny_wa import errors, guards

# The statuses a run can end with, and the exit code of each. "skipped" is a scheduled run
# that did not open the browser because an earlier UI drift or HTTP 429 is being backed off.
STATUSES = ("ok", "partial", "expired", "conflict", "ui_drift", "error", "skipped")
_EXIT_CODES = {
    "ok": 0,
    "skipped": 0,
    "partial": errors.PartialSync.exit_code,
    "expired": errors.SessionExpired.exit_code,
    "conflict": errors.Conflict.exit_code,
    "ui_drift": errors.UiDrift.exit_code,
}


def status_of(error: errors.KennyWaError) -> str:
    """Map a failure to one of the six run statuses (finer kinds go into ``error_kind``)."""
    if isinstance(error, errors.SessionExpired):
        return "expired"
    if isinstance(error, errors.Conflict):
        return "conflict"
    if isinstance(error, errors.UiDrift):
        return "ui_drift"
    return "error"


@dataclasses.dataclass(slots=True)
class SyncSummary:
    status: str = "ok"
    complete: bool = True
    chats_synced: int = 0
    chats_opened: int = 0
    chats_total: int = 0
    chats_archived: int = 0  # of chats_total, listed in the Archived view
    deferred_unread: int = 0  # badged chats left unopened (WHATSAPP_UNREAD_CHATS=defer)
    deferred_chats: list[str] = dataclasses.field(default_factory=list)  # their chat references
    unread_restored: int = 0  # chats read and marked unread again
    unread_restore_failed: int = 0  # chats read whose "Mark as unread" did not take (retried)
    messages_fetched: int = 0
    upserts: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0  # stored rows whose text, edited/deleted flags or reactions changed
    attachments_saved: int = 0
    attachments_failed: int = 0
    extraction_jobs_enqueued: int = 0
    agent_jobs_enqueued: int = 0
    errors: int = 0
    partial_chats: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # chats whose messages were refused rather than stored, by guards.REFUSAL_REASONS reason
    refused_chats: dict[str, int] = dataclasses.field(default_factory=dict)
    # chats read as far as WhatsApp Web allows (a limit already reported, e.g. the phone
    # prompt): counted complete up to that limit, not a new problem (no effect on status)
    limited_chats: list[dict[str, str]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    run_id: int | None = None
    error_kind: str | None = None
    error_message: str | None = None  # a fixed, content-free message from errors.py
    sweep: bool = False  # the revision sweep was due this run
    chats_swept: int = 0  # chats opened only for the revision sweep
    chats_retried: int = 0  # chats opened only to retry images that could not be stored

    @property
    def exit_code(self) -> int:
        if self.status == "error":
            return errors.KennyWaError.exit_code if self.error_kind is None else _error_exit(self)
        return _EXIT_CODES[self.status]

    def fail(self, error: errors.KennyWaError) -> None:
        self.status = status_of(error)
        self.complete = False
        self.error_kind = error.status
        self.error_message = str(error)
        self.errors += 1

    def add_partial(self, chat_id: str, reason: str) -> None:
        self.partial_chats.append({"chat_id": chat_id, "reason": reason})
        if reason in guards.REFUSAL_REASONS:
            self.refused_chats[reason] = self.refused_chats.get(reason, 0) + 1
        self.complete = False
        if self.status == "ok":
            self.status = "partial"

    def add_limited(self, chat_id: str, reason: str) -> None:
        self.limited_chats.append({"chat_id": chat_id, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _error_exit(summary: SyncSummary) -> int:
    for cls in _all_error_classes(errors.KennyWaError):
        if cls.status == summary.error_kind:
            return cls.exit_code
    return errors.KennyWaError.exit_code


def _all_error_classes(root: type[errors.KennyWaError]) -> list[type[errors.KennyWaError]]:
    found = [root]
    for sub in root.__subclasses__():
        found.extend(_all_error_classes(sub))
    return found
