"""Leadership of the periodic jobs (sweeper, purge, count folding) through a lease row.

Each daemon tries every ``ELECT_EVERY`` seconds to take or extend the lease in ``leader``;
the lease runs out ``TTL`` seconds after its last extension, in database time. ``leads()``
is true while this daemon holds a lease it extended recently enough by its own monotonic
clock, so a daemon cut off from the database stops leading before another can take over.
A brief overlap is harmless: every periodic statement is guarded by the state it changes.
The same loop keeps this daemon's row in ``daemons`` (host, pid, heartbeat)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from sparkq_daemon import __version__
from sparkq_daemon.store.postgres import maintenance, rows
from sparkq_daemon.store.postgres.db import PgDatabase, describe_fault

log = logging.getLogger("sparkq.store")
TTL = 6.0
ELECT_EVERY = 2.0
SAFETY = 1.0  # stop leading this long before the lease could run out
DAEMON_GONE = 60.0  # rows of daemons silent this long are removed by the leader
PEER_GRACE = 10.0  # a greeting counts as a peer this long (until the rounds see its row)

ELECT = """
INSERT INTO leader (name, daemon_id, expires_at)
VALUES ('periodic', $1, clock_timestamp() + $2 * interval '1 second')
ON CONFLICT (name) DO UPDATE SET daemon_id = excluded.daemon_id, expires_at = excluded.expires_at
WHERE leader.daemon_id = excluded.daemon_id OR leader.expires_at < clock_timestamp()
RETURNING daemon_id
"""
HEARTBEAT = """
INSERT INTO daemons (id, host, pid, version, started_at, heartbeat_at)
VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp())
ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
"""


class Leadership:
    """Elect, re-elect and resign; fold count deltas while leading."""

    def __init__(self, db: PgDatabase, daemon_id: str) -> None:
        self.db = db
        self.daemon_id = daemon_id
        self._until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self.daemons: list[dict[str, Any]] = []  # as of the last round
        self._greeted = -PEER_GRACE  # monotonic time another daemon last announced itself
        self.on_lead: Callable[[], None] = lambda: None  # called when this daemon starts leading

    def leads(self) -> bool:
        return time.monotonic() < self._until

    def greeted(self) -> None:
        """Another daemon has just started listening: send it notifications from now on."""
        self._greeted = time.monotonic()
        self.db.peers = True

    async def start(self) -> None:
        await self.attempt()
        self._task = asyncio.create_task(self._loop(), name="sparkq-leader")

    async def attempt(self) -> None:
        """One round: heartbeat, take or extend the lease, and the leader's chores."""
        sent = time.monotonic()
        async with self.db.connection() as conn:
            await conn.execute(
                HEARTBEAT, self.daemon_id, socket.gethostname(), os.getpid(), __version__
            )
            holder = await conn.fetchval(ELECT, self.daemon_id, TTL)
            was = self.leads()
            self._until = sent + TTL - SAFETY if holder == self.daemon_id else 0.0
            if self.leads() and not was:
                log.info("this daemon now leads the periodic jobs")
                self.on_lead()
            elif was and not self.leads():
                log.info("another daemon leads the periodic jobs now")
            self.daemons = [
                rows.plain(r)
                for r in await conn.fetch(
                    "SELECT id, host, pid, version, started_at, heartbeat_at, "
                    "id IN (SELECT daemon_id FROM leader WHERE expires_at > clock_timestamp()) "
                    "AS leader FROM daemons "
                    "WHERE heartbeat_at > clock_timestamp() - $1 * interval '1 second' "
                    "ORDER BY started_at, id",
                    DAEMON_GONE,
                )
            ]
            others = any(d["id"] != self.daemon_id for d in self.daemons)
            self.db.peers = others or time.monotonic() - self._greeted < PEER_GRACE
            if self.leads():
                await maintenance.fold_counts(conn)
                await conn.execute(
                    "DELETE FROM daemons WHERE heartbeat_at < clock_timestamp() - $1 * interval '1 second'",
                    DAEMON_GONE,
                )

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(ELECT_EVERY)
            try:
                await self.attempt()
                if self._failing:
                    log.info("leadership rounds work again")
                self._failing = False
            except Exception as exc:
                if not self._failing:
                    log.warning("a leadership round failed: %s", describe_fault(exc))
                self._failing = True

    async def close(self) -> None:
        """Stop, and hand the lease back so another daemon takes over at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._until = 0.0
        with contextlib.suppress(Exception):
            async with self.db.connection() as conn:
                await conn.execute("DELETE FROM leader WHERE daemon_id = $1", self.daemon_id)
                await conn.execute("DELETE FROM daemons WHERE id = $1", self.daemon_id)
