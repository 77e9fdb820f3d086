"""Logging: structlog through the standard library, JSON in production, readable at a terminal.

Everything logs under the ``kenny_wa`` logger so Prefect can ship it to its UI
(``PREFECT_LOGGING_EXTRA_LOGGERS=kenny_wa``). Log lines carry ids and counts only: never
message text, names or phone numbers. Tracebacks are rendered without frame locals, which
could hold message bodies or connection strings.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

import structlog

ROOT_LOGGER = "kenny_wa"
_configured = False


def _shared_processors() -> list[structlog.typing.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def configure(level: str = "INFO", fmt: str = "auto", stream=None) -> None:
    """Configure structlog and the ``kenny_wa`` stdlib logger once per process."""
    global _configured
    json_output = fmt == "json" or (fmt == "auto" and not (stream or sys.stderr).isatty())
    renderer: structlog.typing.Processor
    if json_output:
        renderer = structlog.processors.JSONRenderer()
        exception_renderer = structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
        final = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, exception_renderer, renderer]
    else:
        final = [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback),
        ]
    structlog.configure(
        processors=[*_shared_processors(), _wrap_readable],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(_AboveLiveLine(stream))
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=_shared_processors(), processors=final)
    )
    logger = logging.getLogger(ROOT_LOGGER)
    for old in list(logger.handlers):
        if getattr(old, "_kenny_wa", False):
            logger.removeHandler(old)
    handler._kenny_wa = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    _configured = True


class _AboveLiveLine:
    """The handler's stream: a log line clears the live progress line, prints, redraws it.

    Without an explicit stream it writes to whatever ``sys.stderr`` is at the time (a test
    harness or a Prefect worker may replace it after logging was configured)."""

    def __init__(self, stream=None) -> None:
        self._stream = stream
        self.render = None  # () -> str while a progress line is live on this stream

    @property
    def stream(self):
        return self._stream or sys.stderr

    def write(self, text: str) -> int:
        if self.render is None:
            return self.stream.write(text)
        self.stream.write("\r\x1b[2K" + text)
        if text.endswith("\n"):
            self.stream.write(self.render())
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


def live_line(stream, render) -> Callable[[], None]:
    """Keep the line ``render()`` returns at the bottom of ``stream`` while log lines are
    written above it; returns the function that ends it. A no-op for another stream."""
    handler = _our_handler()
    target = getattr(handler, "stream", None)
    if not isinstance(target, _AboveLiveLine) or target.stream is not stream:
        return lambda: None
    target.render = render

    def release() -> None:
        target.render = None

    return release


def _our_handler() -> logging.Handler | None:
    return next((h for h in logging.getLogger(ROOT_LOGGER).handlers if getattr(h, "_kenny_wa", False)), None)


# keys other handlers (Prefect's API and console handlers) show on their own
_RECORD_KEYS = {
    "event", "timestamp", "level", "logger", "exc_info", "stack_info", "_record", "_from_structlog",
}


class ReadableEvent(dict):
    """structlog's event dict as the record's message. Our formatter reads it as the dict it
    is; any other handler (Prefect ships ``kenny_wa`` lines to its UI) calls ``str()`` on it
    and gets ``event key=value …`` instead of a dict repr."""

    def __str__(self) -> str:
        fields = " ".join(f"{k}={_value(v)}" for k, v in self.items() if k not in _RECORD_KEYS)
        return f"{self.get('event', '')} {fields}".strip()


def _value(value) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c.isspace() or c in '"=' for c in text)) else text


def _wrap_readable(logger, method_name, event_dict):
    args, kwargs = structlog.stdlib.ProcessorFormatter.wrap_for_formatter(logger, method_name, event_dict)
    return (ReadableEvent(args[0]),), kwargs


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger under the ``kenny_wa`` hierarchy (``name`` is usually ``__name__``)."""
    if not name.startswith(ROOT_LOGGER):
        name = f"{ROOT_LOGGER}.{name}"
    return structlog.get_logger(name)
