"""``task.claim(wait=…)`` without polling: a waiting claimer sleeps until an event says a
task may have become claimable (enqueued, requeued, a queue resumed), then tries again."""

from __future__ import annotations

import asyncio
from typing import Any

WAKING_EVENTS = frozenset(
    {"task.enqueued", "task.requeued", "queue.resumed", "queue.unarchived", "queue.updated"}
)


class ClaimWaiters:
    """A generation flag: every waking event releases everyone waiting on the current one."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def on_event(self, event: dict[str, Any]) -> None:
        if event["type"] in WAKING_EVENTS:
            self._event.set()
            self._event = asyncio.Event()

    def generation(self) -> asyncio.Event:
        """Take this before trying a claim; wait on it after an empty try."""
        return self._event
