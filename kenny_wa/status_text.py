"""``kenny-wa status`` for a person: a few readable lines, no Python reprs, no ``None``.

Pure: it renders the dict :func:`kenny_wa.store.status_summary` returns (the same one
``status --json`` prints), the incomplete chats with their names and the chats deferred for
their unread badge with their titles. The names are for the
owner's own terminal: this text is printed, never logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

SESSION_WORDS = {
    "logged_in": "logged in",
    "expired": "expired: pair again with `kenny-wa login`",
    "qr_required": "never paired: run `kenny-wa login`",
    "conflict": "open in another window (conflict)",
    "ui_drift": "the page did not match (UI drift)",
    "unknown": "unknown (no sync yet)",
}


def render_status(
    status: Mapping[str, Any],
    incomplete: Sequence[Mapping[str, Any]] = (),
    *,
    deferred: Sequence[Mapping[str, Any]] = (),
    ref: Callable[[str], str] = lambda chat_id: chat_id,
    now: dt.datetime | None = None,
) -> str:
    """The status lines; ``deferred`` are the chats waiting for their unread badge
    (store.deferred_chats); ``ref`` maps a chat id to its ref (privacy.refs_for)."""
    now = now or dt.datetime.now(dt.UTC)
    session = status.get("session_status") or "unknown"
    lines = [f"WhatsApp session: {SESSION_WORDS.get(session, session)}"]
    lines.append(f"last successful sync: {_when(status.get('last_success_at'), now, 'never')}")
    lines.append(f"last run: {_run(status.get('last_run'), now)}")
    failures = status.get("consecutive_failures") or 0
    if failures:
        lines.append(f"failed runs since the last success: {failures}")
    if status.get("backoff_until"):
        lines.append(f"backing off until {_when(status['backoff_until'], now, '')}")
    rows = status.get("rows") or {}
    lines.append(
        f"stored: {rows.get('messages', 0)} messages in {rows.get('chat_cursors', 0)} chats, "
        f"{rows.get('attachments', 0)} attachments{_counts(status.get('attachments_by_status'))}, "
        f"{rows.get('extractions', 0)} extractions, {rows.get('sync_runs', 0)} runs"
    )
    jobs = status.get("jobs") or {}
    lines.append("jobs: " + ("; ".join(f"{q}{_counts(by)}" for q, by in sorted(jobs.items())) or "none"))
    if incomplete:
        lines.append(f"incomplete chats ({len(incomplete)}; names shown on this terminal only):")
        width = max(len(c["name"]) for c in incomplete)
        for chat in incomplete:
            lines.append(f"  {chat['name'].ljust(width)}  {chat['reason']}  {ref(chat['chat_id'])}")
    if deferred:
        lines.append(
            f"waiting until their unread badge goes ({len(deferred)}; names shown on this terminal only):"
        )
        names = [_deferred_name(c) for c in deferred]
        width = max(len(n) for n in names)
        for name, chat in zip(names, deferred, strict=True):
            since = _when(chat.get("deferred_since"), now, "unknown time")
            lines.append(f"  {name.ljust(width)}  since {since}  {ref(chat['chat_id'])}")
    return "\n".join(lines)


def _deferred_name(chat: Mapping[str, Any]) -> str:
    return chat.get("title") or chat["chat_id"]  # no title: remembered before kenny-wa kept them


def _run(run: Mapping[str, Any] | None, now: dt.datetime) -> str:
    if not run:
        return "none yet"
    text = f"{run.get('status')}"
    if run.get("error_kind") and run.get("error_kind") != run.get("status"):
        text += f" ({run['error_kind']})"
    text += f", {_when(run.get('finished_at') or run.get('started_at'), now, 'unknown time')}"
    if run.get("seconds") is not None:
        text += f", took {float(run['seconds']):.0f} s"
    text += (
        f": {run.get('chats_synced') or 0} chats, {run.get('messages_fetched') or 0} messages read, "
        f"{run.get('upserts') or 0} rows written"
    )
    if run.get("dry_run"):
        text += " (dry run)"
    return text


def _counts(by_status: Mapping[str, int] | None) -> str:
    if not by_status:
        return ""
    return " (" + ", ".join(f"{n} {status}" for status, n in sorted(by_status.items())) + ")"


def _when(value: Any, now: dt.datetime, missing: str) -> str:
    if not value:
        return missing
    at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    at = at.astimezone(dt.UTC)
    return f"{at:%Y-%m-%d %H:%M} UTC ({_ago(now - at)})"


def _ago(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "in " + _span(-seconds)
    if seconds < 60:
        return "just now"
    return _span(seconds) + " ago"


def _span(seconds: int) -> str:
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"
