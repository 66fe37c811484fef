"""The one bounded wait of the test suite: poll a condition until it holds, fail after a bound.

Never sleep for a fixed time hoping something happened: wait for the thing, with a limit, and
say what was awaited when the limit is hit. Three forms: ``wait_until`` (plain code),
``await_until`` (a coroutine; the condition may itself be async) and ``wait_on_pilot`` (a
Textual app under Pilot: the app keeps running between polls). ``stays_true`` is the converse,
for "nothing happens during this time" checks."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

INTERVAL = 0.02  # between polls: short enough to cost little time, long enough to cost no CPU


def _timed_out(what: str, timeout: float) -> AssertionError:
    return AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_until(
    condition: Callable[[], T],
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = INTERVAL,
) -> T:
    """Poll ``condition()`` until it returns something truthy and return that; raise
    ``AssertionError`` naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout)
        time.sleep(interval)


async def await_until(
    condition: Callable[[], T | Awaitable[T]],
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = INTERVAL,
) -> T:
    """``wait_until`` for a coroutine: the event loop runs between polls, and ``condition``
    may be a plain function or an async one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() > deadline:
            raise _timed_out(what, timeout)
        await asyncio.sleep(interval)


async def wait_on_pilot(
    pilot: Any,
    condition: Callable[[], T | Awaitable[T]],
    timeout: float = 5.0,
    what: str = "condition",
) -> T:
    """Let a Textual app under Pilot run until ``condition()`` is truthy (it may be async,
    e.g. a question to the daemon); fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() > deadline:
            raise _timed_out(what, timeout)
        await pilot.pause(INTERVAL)


def stays_true(
    condition: Callable[[], Any],
    duration: float,
    what: str = "condition",
    interval: float = 0.05,
) -> None:
    """Check that ``condition()`` holds for ``duration`` seconds (fails as soon as it does
    not): for "this must not happen" tests, where there is nothing to wait for."""
    deadline = time.monotonic() + duration
    while True:
        assert condition(), f"{what} stopped holding"
        if time.monotonic() > deadline:
            return
        time.sleep(interval)
