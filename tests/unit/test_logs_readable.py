"""kenny-wa's log lines read as ``event key=value`` in any other handler (Prefect's UI), stay
JSON in ours, and are written above a live progress line at a terminal."""

from __future__ import annotations

import io
import json
import logging

from kenny_wa import logs, progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _foreign_handler() -> tuple[logging.Handler, io.StringIO]:
    """What Prefect attaches to PREFECT_LOGGING_EXTRA_LOGGERS: a plain stdlib formatter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s|%(name)s|%(message)s"))
    return handler, out


def test_other_handlers_get_a_message_with_key_value_fields():
    ours = io.StringIO()
    logs.configure("INFO", "json", stream=ours)
    handler, theirs = _foreign_handler()
    logger = logging.getLogger(logs.ROOT_LOGGER)
    logger.addHandler(handler)
    try:
        logs.get_logger("kenny_wa.sync").info("sync_finished", status="ok", chats=3, flow_run_id="abc-1", note="two words")
    finally:
        logger.removeHandler(handler)
    line = theirs.getvalue().strip()
    assert line == 'INFO|kenny_wa.sync|sync_finished status=ok chats=3 flow_run_id=abc-1 note="two words"'
    assert "{" not in line
    doc = json.loads(ours.getvalue())
    assert doc["event"] == "sync_finished" and doc["chats"] == 3 and doc["level"] == "info"


def test_log_lines_go_above_the_live_progress_line():
    tty = _Tty()
    logs.configure("INFO", "console", stream=tty)
    ticks = iter(range(0, 1000, 10))
    bar = progress.TerminalProgress(tty, clock=lambda: float(next(ticks)))
    bar.chat_done(1, 4, 20, 2)
    logs.get_logger("kenny_wa.x").info("images_fetched", images=2)
    bar.chat_done(2, 4, 30, 2)
    bar.close()
    logs.get_logger("kenny_wa.x").info("after_close")
    screen = _render(tty.getvalue())
    assert "images_fetched" in screen[-3] and "images=2" in screen[-3]
    assert screen[-2].startswith("  chats 2/4 · messages 30 · images 2 · ")
    assert "after_close" in screen[-1]
    assert not any("chats " in line and "images_fetched" in line for line in screen)


def _render(raw: str) -> list[str]:
    """A tiny terminal: \\r returns to column 0, ESC[2K clears the line, \\n starts a new one."""
    lines, current = [], ""
    i = 0
    while i < len(raw):
        if raw.startswith("\x1b[2K", i):
            current, i = "", i + 4
        elif raw[i] == "\r":
            current, i = "", i + 1  # every redraw here rewrites the whole line
        elif raw[i] == "\n":
            lines.append(current)
            current, i = "", i + 1
        else:
            current += raw[i]
            i += 1
    if current:
        lines.append(current)
    return lines


def test_progress_line_has_eta_and_elapsed():
    assert progress.progress_line(3, 10, 412, 7, 42) == (
        "  chats 3/10 · messages 412 · images 7 · 0:42 elapsed, ETA 1:38"
    )
    assert progress.progress_line(10, 10, 500, 9, 3725) == "  chats 10/10 · messages 500 · images 9 · 1:02:05 elapsed"
