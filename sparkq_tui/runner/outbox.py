"""Reports (complete, fail, requeue) that must reach the daemon even if it is away for a
while: each is tried at once, and kept in order and retried until the daemon is back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import DaemonUnavailable, SparkQError

log = logging.getLogger("sparkq.runner")

RETRY_MIN_SECONDS = 0.2
RETRY_MAX_SECONDS = 2.0


class Outbox:
    """An ordered queue of calls for the daemon, delivered as soon as it answers."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self._pending: deque[tuple[str, dict[str, Any]]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        self._task = asyncio.create_task(self._deliver_loop())

    async def close(self, timeout: float) -> list[tuple[str, dict[str, Any]]]:
        """Wait up to ``timeout`` for delivery; return the calls that could not be sent."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return list(self._pending)

    def send(self, method: str, params: dict[str, Any]) -> None:
        """Queue ``method(params)`` for delivery, after every call queued before it."""
        self._pending.append((method, params))
        self._idle.clear()
        self._wake.set()

    async def _deliver_loop(self) -> None:
        delay = RETRY_MIN_SECONDS
        while True:
            if not self._pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            method, params = self._pending[0]
            try:
                await self.client.call(method, params)
            except DaemonUnavailable:
                if delay == RETRY_MIN_SECONDS:
                    log.warning(
                        "daemon unavailable: %d report(s) kept until it is back",
                        len(self._pending),
                    )
                await asyncio.sleep(delay)  # back-off while the daemon is away
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            except SparkQError as exc:
                # The task moved on (requeued, deleted, failed by the sweeper): nothing to retry.
                log.warning("%s for %s not recorded: %s", method, params.get("id"), exc.message)
            else:
                if delay > RETRY_MIN_SECONDS:
                    log.info("daemon is back: delivered %s for %s", method, params.get("id"))
            delay = RETRY_MIN_SECONDS
            self._pending.popleft()
