"""``task.claim(wait=…)`` without polling: a waiting claimer sleeps until an event says a
task may have become claimable (enqueued, requeued, a queue resumed), then tries again."""

from __future__ import annotations

import asyncio
from typing import Any

WAKING_EVENTS = frozenset(
    {"task.enqueued", "task.requeued", "queue.resumed", "queue.unarchived", "queue.updated"}
)


class ClaimWaiters:
    """A generation flag: a waking event releases everyone waiting on the current one.

    A claimer takes ``generation()`` before it tries, and waits on it after an empty try:
    an event that lands in between has already set it, so no wake-up is ever lost."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def on_event(self, event: dict[str, Any]) -> None:
        if event["type"] in WAKING_EVENTS:
            self._event.set()  # cheap when already set: a burst costs one wake-up

    def generation(self) -> asyncio.Event:
        if self._event.is_set():
            self._event = asyncio.Event()
        return self._event
