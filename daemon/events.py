"""In-process publish/subscribe with a bounded buffer per subscriber.

``seq`` rises by one per event across the daemon. A subscriber that falls more than
``buffer`` events behind loses the backlog and gets one ``events.overflow`` marker instead:
a slow reader never slows the daemon or grows its memory."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

OVERFLOW = {"type": "events.overflow"}


class Subscription:
    """One subscriber's bounded queue of events for the topics it asked for."""

    def __init__(self, topics: set[str], buffer: int) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=buffer)
        self.overflowed = False

    def offer(self, event: dict[str, Any]) -> None:
        # A topic is a whole topic ("task") or one event type ("task.cancelled").
        if event["topic"] not in self.topics and event["type"] not in self.topics:
            return
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait({**OVERFLOW, "seq": event["seq"]})

    async def next(self) -> dict[str, Any]:
        event = await self.queue.get()
        if event.get("type") == OVERFLOW["type"]:
            self.overflowed = False
        return event


class EventBus:
    """Numbers events and hands them to the subscriptions."""

    def __init__(self, buffer: int = 10_000) -> None:
        self.buffer = buffer
        self._seq = itertools.count(1)
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, topics: set[str]) -> Subscription:
        sub = Subscription(topics, self.buffer)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    def publish(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            event["seq"] = next(self._seq)
            for sub in self._subscriptions:
                sub.offer(event)
