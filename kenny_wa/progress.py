"""Progress for a person at a terminal (chats done of total, messages, images, elapsed, ETA).

The line is redrawn in place on a TTY. While it is live, kenny-wa's log lines are written
above it (:func:`kenny_wa.logs.live_line`): the line is cleared, the log line printed, the
progress line drawn again, so neither breaks the other. Quiet when not at a terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from kenny_wa import logs
from kenny_wa.summary import SyncSummary
from kenny_wa.sync import Progress

CLEAR_LINE = "\r\x1b[2K"


def progress_line(done: int, total: int, messages: int, images: int, elapsed_s: float) -> str:
    """``chats 3/10 · messages 412 · images 7 · 0:42 elapsed, ETA 1:38`` (pure)."""
    total = max(total, done)
    line = f"  chats {done}/{total} · messages {messages} · images {images} · {_clock(elapsed_s)} elapsed"
    if 0 < done < total:
        line += f", ETA {_clock(elapsed_s / done * (total - done))}"
    return line


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TerminalProgress(Progress):
    """Redraws one status line on a TTY; log lines go above it while it is live."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.counts = (0, 0, 0, 0)
        self._release = logs.live_line(stream, self.line)
        self._draw()

    def line(self) -> str:
        """The progress line now (elapsed time included)."""
        return progress_line(*self.counts, self.clock() - self.started)

    def chat_done(self, done: int, total: int, messages: int, images: int = 0) -> None:
        self.counts = (done, total, messages, images)
        self._draw()

    def _draw(self) -> None:
        self.stream.write(CLEAR_LINE + self.line())
        self.stream.flush()

    def close(self) -> None:
        self._release()
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
        lines.append(f"partial (new): {chat['chat_id']} ({chat['reason']})")
    if summary.limited_chats:
        lines.append(
            f"limited: {len(summary.limited_chats)} chat(s) read as far as WhatsApp Web allows "
            "(reported before; counted complete up to that limit)"
        )
    return "\n".join(lines)
