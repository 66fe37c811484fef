"""In-process publish/subscribe with a bounded buffer per subscriber.

``seq`` rises by one per event across the daemon. A subscriber that falls more than
``buffer`` events behind loses the backlog and gets one ``events.overflow`` marker instead:
a slow reader never slows the daemon or grows its memory."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
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
            self.lose(event["seq"])

    def lose(self, seq: int) -> None:
        """Events for it were lost: drop the backlog and send the overflow marker."""
        self.overflowed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait({**OVERFLOW, "seq": seq})

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
        self._listeners: list[Callable[[list[dict[str, Any]]], None]] = []
        self._gap_listeners: list[Callable[[], None]] = []

    def subscribe(self, topics: set[str]) -> Subscription:
        sub = Subscription(topics, self.buffer)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    def listen(self, listener: Callable[[list[dict[str, Any]]], None]) -> None:
        """Call ``listener`` with every published batch, in the publisher's call: it must be
        quick and must not raise (the daemon's own counters, not a client)."""
        self._listeners.append(listener)

    def listen_gaps(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` whenever events were lost before reaching the bus."""
        self._gap_listeners.append(listener)

    def publish(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            event["seq"] = next(self._seq)
            for sub in self._subscriptions:
                sub.offer(event)
        for listener in self._listeners:
            listener(events)

    def overflow(self) -> None:
        """Events were lost before reaching this bus (another daemon's, while the store could
        not hear them): every subscriber gets the overflow marker and resynchronises."""
        seq = next(self._seq)
        for sub in self._subscriptions:
            sub.lose(seq)
        for listener in self._gap_listeners:
            listener()
