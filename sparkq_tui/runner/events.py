"""One event subscription shared by the runner's parts (the client has a single stream)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from sparkq_tui.client import AsyncClient

TOPICS = ("task", "queue")
# The quietest topic, to hear of connection.lost / connection.restored, and the cancels of
# tasks (a runner stops the ones it holds): not every task event.
CONNECTION_AND_CANCELS = ("session", "task.cancelled")


class EventHub:
    """Reads the daemon's events once and hands each to every listener's queue; after a lost
    connection the client adds ``connection.lost`` and ``connection.restored``."""

    def __init__(self, client: AsyncClient, topics: tuple[str, ...] = TOPICS) -> None:
        self.client = client
        self.topics = topics
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe and return once the daemon has confirmed the subscription."""
        if self._task is None:
            # Events arriving from here on wait in the client until the reader takes them.
            await self.client.call("events.subscribe", {"topics": list(self.topics)})
            self._task = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @contextlib.contextmanager
    def listen(self) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving every event while the ``with`` block lasts."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    async def _read(self) -> None:
        async for event in self.client.subscribe(self.topics):
            for queue in list(self._listeners):
                queue.put_nowait(event)
