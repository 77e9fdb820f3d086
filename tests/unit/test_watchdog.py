"""The page watchdog: deadlines (pure), the process tree, and a blocked call it ends.

A "page call" here is a real blocking wait on the test's own thread (a stand-in for a
Playwright call the driver never answers); the watchdog ends it the way it ends a real one,
by running its kill action, which here releases the wait. The real thing (a SIGSTOPped
Chromium under ``kenny-wa sync``) is tests/faults/test_runtime_faults.py.
"""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from kenny_wa import errors
from kenny_wa.browser import watchdog


def test_call_budget_is_the_page_timeout_or_the_calls_own_wait():
    assert watchdog.call_budget(30, ("() => 1",), {}) == 30
    # an own timeout shorter than the page timeout does not shorten the deadline
    assert watchdog.call_budget(30, ("f",), {"timeout": 2_000}) == 30
    # ...a longer one lengthens it, plus the grace
    assert watchdog.call_budget(5, ("f",), {"timeout": 15_000}) == 15 + watchdog.GRACE_S
    # an evaluate that waits in the page says so in its argument
    assert watchdog.call_budget(5, ("f", {"timeoutMs": 8_000}), {}) == 8 + watchdog.GRACE_S
    assert watchdog.call_budget(5, ("f",), {"arg": {"timeoutMs": 8_000}}) == 8 + watchdog.GRACE_S
    assert watchdog.call_budget(5, ("f", [1, 2]), {}) == 5
    assert watchdog.call_budget(5, ("f",), {"timeout": 0}) == 5


def test_tree_walks_every_level():
    children = {1: [2, 3], 2: [4], 4: [5], 9: [10]}
    assert sorted(watchdog.tree(1, children)) == [2, 3, 4, 5]
    assert watchdog.tree(7, children) == []


def test_the_process_tree_of_this_process_holds_its_children():
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in watchdog.tree(os.getpid(), watchdog.children_map())
        watchdog.kill_all([child.pid])
        assert child.wait(timeout=10) == -9
    finally:
        child.kill()


class Target:
    """A stand-in for a Playwright object: ``wait`` blocks until released."""

    __module__ = "playwright.sync_api._generated"

    def __init__(self) -> None:
        self.release = threading.Event()

    def quick(self, value):
        return value

    def wait(self):
        if not self.release.wait(timeout=60):
            return "never released"
        raise RuntimeError("Target page, context or browser has been closed")

    def child(self):
        return Target()


def test_a_call_that_overruns_is_killed_and_becomes_page_timeout(monkeypatch):
    monkeypatch.setattr(watchdog, "DRIVER_GRACE_S", 0.2)
    target, stuck = Target(), []
    dog = watchdog.Watchdog(target.release.set, lambda: stuck.append(1))
    page = watchdog.WatchedPage(target, dog, 0.2)
    try:
        assert page.quick(3) == 3
        assert not dog.fired
        with pytest.raises(errors.PageTimeout):
            page.wait()
        assert dog.fired and not stuck  # the kill released the call: the driver was not needed
        with pytest.raises(errors.PageTimeout):  # the browser is gone: every later call too
            page.quick(1)
    finally:
        dog.close()


def test_a_call_still_blocked_after_the_kill_gets_the_driver_killed(monkeypatch):
    monkeypatch.setattr(watchdog, "DRIVER_GRACE_S", 0.2)
    target = Target()
    dog = watchdog.Watchdog(lambda: None, target.release.set)  # only the second stage frees it
    page = watchdog.WatchedPage(target, dog, 0.2)
    try:
        with pytest.raises(errors.PageTimeout):
            page.wait()
    finally:
        dog.close()


def test_returned_playwright_objects_are_watched_too():
    target = Target()
    dog = watchdog.Watchdog(lambda: None, lambda: None)
    try:
        child = watchdog.WatchedPage(target, dog, 5).child()
        assert isinstance(child, watchdog.WatchedPage)
        assert child.quick("x") == "x" and not dog.fired
    finally:
        dog.close()
