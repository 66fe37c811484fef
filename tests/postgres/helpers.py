"""Bounded waits and event reading for the multi-daemon tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.wire import Wire

T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def next_event(w: Wire, accept: Callable[[dict[str, Any]], bool], timeout: float = 10.0):
    """The next event notification on ``w`` that ``accept`` takes, within ``timeout``."""
    deadline = time.monotonic() + timeout
    w.sock.settimeout(timeout)
    try:
        while time.monotonic() < deadline:
            message = w.read()
            if message.get("method") == "event" and accept(message["params"]):
                return message["params"]
    finally:
        w.sock.settimeout(10.0)
    raise AssertionError(f"no matching event within {timeout} s")
