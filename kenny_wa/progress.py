"""Progress for a person at a terminal (chats done of total, messages so far); quiet otherwise."""

from __future__ import annotations

from typing import TextIO

from kenny_wa.summary import SyncSummary
from kenny_wa.sync import Progress


class TerminalProgress(Progress):
    """Rewrites one status line on a TTY."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def chat_done(self, done: int, total: int, messages: int) -> None:
        total = max(total, done)
        self.stream.write(f"\r  chats {done}/{total} · messages {messages}   ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def for_stream(stream: TextIO, *, enabled: bool = True) -> Progress:
    """A terminal progress line when ``stream`` is a TTY, else the silent base class."""
    if enabled and stream.isatty():
        return TerminalProgress(stream)
    return Progress()


def render_summary(summary: SyncSummary) -> str:
    """A short human summary of a run (counts and chat ids only)."""
    lines = [
        f"status: {summary.status}" + (f" ({summary.error_message})" if summary.error_message else ""),
        f"chats synced: {summary.chats_synced} (opened {summary.chats_opened}; of which for the revision "
        f"sweep {summary.chats_swept}, to retry images {summary.chats_retried})",
        f"messages fetched: {summary.messages_fetched}",
        f"upserts: {summary.upserts} (inserted {summary.inserted}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}; revised {summary.revised})",
        f"attachments saved: {summary.attachments_saved} (failed {summary.attachments_failed})",
        f"extraction jobs enqueued: {summary.extraction_jobs_enqueued}",
        f"seconds: {summary.seconds:.1f}",
    ]
    for chat in summary.partial_chats:
        lines.append(f"partial: {chat['chat_id']} ({chat['reason']})")
    return "\n".join(lines)
