"""The LISTEN connection: one per daemon, outside the pool, reconnected when lost.

It receives ``sparkq_ready`` (a queue has claimable tasks), ``sparkq_events`` (events
committed by any daemon), ``sparkq_catalog`` (the catalogue changed) and ``sparkq_hello``
(another daemon started). Notifications sent
while it was down are lost: after a reconnect ``on_reconnect`` runs, so waiting claims poll
once and subscribers get an overflow marker to resynchronise."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from sparkq_daemon.store.postgres.db import CONNECT_TIMEOUT, FAULTS, describe_fault

log = logging.getLogger("sparkq.store")
CHANNELS = ("sparkq_ready", "sparkq_events", "sparkq_catalog", "sparkq_hello")
CHECK_EVERY = 2.0  # seconds between liveness checks of the connection
RETRY_MIN, RETRY_MAX = 0.1, 2.0


class Listener:
    """``handlers[channel](payload)`` for each notification; ``on_reconnect()`` after a loss."""

    def __init__(
        self,
        url: str,
        handlers: dict[str, Callable[[str], None]],
        on_reconnect: Callable[[], None],
    ) -> None:
        self.url = url
        self.handlers = handlers
        self.on_reconnect = on_reconnect
        self.conn: asyncpg.Connection | None = None
        self.reconnects = 0
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and listen (raising when the server cannot be reached), then supervise."""
        await self._connect()
        self._task = asyncio.create_task(self._supervise(), name="sparkq-listener")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        self._lost.clear()
        conn.add_termination_listener(lambda _conn: self._lost.set())
        for channel in CHANNELS:
            await conn.add_listener(channel, self._dispatch)
        self.conn = conn

    def _dispatch(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        try:
            self.handlers[channel](payload)
        except Exception:
            log.exception("handling a %s notification failed", channel)

    async def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(*FAULTS):
                await asyncio.wait_for(conn.close(), timeout=1.0)
            conn.terminate()

    async def _alive(self) -> bool:
        assert self.conn is not None
        if self.conn.is_closed():
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lost.wait(), timeout=CHECK_EVERY)
            return False
        try:
            await asyncio.wait_for(self.conn.execute("SELECT 1"), timeout=CHECK_EVERY)
        except FAULTS:
            return False
        return True

    async def _supervise(self) -> None:
        while True:
            while self.conn is not None and await self._alive():
                pass
            log.warning("the LISTEN connection to the database was lost; reconnecting")
            await self._drop()
            delay = RETRY_MIN
            while self.conn is None:
                try:
                    await self._connect()
                except FAULTS as exc:
                    log.debug("reconnecting the LISTEN connection failed: %s", describe_fault(exc))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX)
            self.reconnects += 1
            log.info("the LISTEN connection is back")
            self.on_reconnect()
