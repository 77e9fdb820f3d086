"""A deadline on every page call, enforced by killing a browser that stopped answering.

Playwright's sync API waits for the driver's answer without a bound of its own: ``evaluate``
has no timeout at all, and a ``timeout=`` is kept by the driver only while Chromium answers.
A stopped (SIGSTOP), frozen or swapped-out browser therefore blocks the calling thread for
ever. Nothing can interrupt that thread from outside, but the call does return as soon as the
driver loses the browser: so a watchdog thread, when a call overruns its deadline, kills the
browser's process tree (SIGKILL also ends stopped processes) and, should the call still not
return, the Playwright driver too. The blocked call then raises, and :class:`WatchedPage`
turns that (and every later call) into ``errors.PageTimeout``.

A call's deadline is the page timeout (``WHATSAPP_PAGE_TIMEOUT_SECONDS``), or its own wait
plus :data:`GRACE_S` when that is longer (a ``timeout=`` in milliseconds, or ``timeoutMs`` in
the argument of an ``evaluate`` that waits in the page): the watchdog never cuts a call
shorter than the wait it asked for. Linux only (it reads ``/proc``); elsewhere it never fires.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from kenny_wa import errors, logs

log = logs.get_logger(__name__)

GRACE_S = 5.0  # beyond a call's own wait, before the browser counts as hung
DRIVER_GRACE_S = 3.0  # after the browser was killed, before the driver is killed too


# --- processes (pure helpers over /proc) -------------------------------------------------


def children_map(proc: Path = Path("/proc")) -> dict[int, list[int]]:
    """parent pid → child pids, from ``/proc/<pid>/stat``."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir(proc)
    except OSError:
        return parents
    for entry in entries:
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (proc / entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces and ")"
            parents.setdefault(ppid, []).append(int(entry))
    return parents


def tree(root: int, children: dict[int, list[int]]) -> list[int]:
    """Every pid below ``root`` (not ``root`` itself)."""
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _cmdline(pid: int, proc: Path = Path("/proc")) -> list[str]:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def browser_pid(profile_dir: Path, *, root: int | None = None) -> int | None:
    """The main Chromium process below ``root`` (this process) running on ``profile_dir``.

    Playwright starts Chromium with ``--user-data-dir=<profile>`` as the leader of its own
    process group; its helpers (zygote, renderers, GPU) carry no such flag or are below it.
    """
    flags = {f"--user-data-dir={profile_dir}", f"--user-data-dir={Path(profile_dir).resolve()}"}
    children = children_map()
    for pid in tree(os.getpid() if root is None else root, children):
        if flags.intersection(_cmdline(pid)):
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid:
                    return pid
    return None


def driver_pids(*, root: int | None = None) -> list[int]:
    """Playwright's driver processes started by this process (``... run-driver``)."""
    children = children_map()
    return [pid for pid in children.get(os.getpid() if root is None else root, ())
            if "run-driver" in _cmdline(pid)]


def kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def kill_browser(pid: int) -> None:
    """SIGKILL the browser, its process group and every process below it."""
    below = tree(pid, children_map())
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    kill_all([pid, *below])


# --- deadlines ---------------------------------------------------------------------------


def call_budget(page_timeout_s: float, args: tuple, kwargs: dict) -> float:
    """Seconds a page call may take (pure; see the module docstring)."""
    own_ms = kwargs.get("timeout")
    if own_ms is None:
        arg = kwargs.get("arg", args[1] if len(args) > 1 else None)
        own_ms = arg.get("timeoutMs") if isinstance(arg, dict) else None
    if isinstance(own_ms, int | float) and own_ms > 0:
        return max(float(page_timeout_s), own_ms / 1000 + GRACE_S)
    return float(page_timeout_s)


class Watchdog:
    """One thread per browser session that ends a page call overrunning its deadline.

    ``on_expiry`` is called (on the watchdog's thread) when a call overruns; ``on_stuck``
    when the call still has not returned ``DRIVER_GRACE_S`` later. Afterwards ``fired``
    stays true: the browser is gone.
    """

    def __init__(self, on_expiry: Callable[[], None], on_stuck: Callable[[], None]) -> None:
        self._on_expiry, self._on_stuck = on_expiry, on_stuck
        self._lock = threading.Condition()
        self._deadline: float | None = None
        self._active = False  # a guarded call has not returned yet
        self._closed = False
        self.fired = False
        self._thread = threading.Thread(target=self._run, name="kenny-wa-page-watchdog", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def guard(self, budget_s: float) -> Iterator[None]:
        """Arm the deadline for the call made inside the block (calls do not nest)."""
        with self._lock:
            self._deadline = time.monotonic() + budget_s
            self._active = True
            self._lock.notify_all()
        try:
            yield
        finally:
            with self._lock:
                self._deadline, self._active = None, False
                self._lock.notify_all()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with self._lock:
            while not self._closed:
                if self._deadline is None:
                    self._lock.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._lock.wait(left)
                    continue
                self._expire()

    def _expire(self) -> None:
        """The armed call overran (lock held): kill, then wait for the call to give up."""
        self.fired = True
        self._deadline = None
        log.warning("page_call_timed_out")
        self._on_expiry()
        self._lock.wait_for(lambda: not self._active or self._closed, DRIVER_GRACE_S)
        if self._active and not self._closed:  # the driver itself does not answer
            log.warning("page_call_still_blocked")
            self._on_stuck()


class WatchedPage:
    """A Playwright sync object whose every method call runs under the watchdog.

    Objects a call returns (a JS handle, ``page.mouse``...) are watched the same way. A call
    that fails after the watchdog fired, and every call after it, raises ``PageTimeout``.
    """

    __slots__ = ("_dog", "_target", "_timeout_s")

    def __init__(self, target: Any, dog: Watchdog, page_timeout_s: float) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_dog", dog)
        object.__setattr__(self, "_timeout_s", page_timeout_s)

    @property
    def unwatched(self) -> Any:
        return self._target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value):
            return functools.partial(self._call, value)
        return self._wrap(value)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return f"WatchedPage({type(self._target).__name__})"

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        dog = self._dog
        if dog.fired:
            raise errors.PageTimeout()
        try:
            with dog.guard(call_budget(self._timeout_s, args, kwargs)):
                result = method(*args, **kwargs)
        except Exception:
            if dog.fired:
                raise errors.PageTimeout() from None
            raise
        return self._wrap(result)

    def _wrap(self, value: Any) -> Any:
        if type(value).__module__.startswith("playwright.") and not isinstance(value, BaseException):
            return WatchedPage(value, self._dog, self._timeout_s)
        return value
