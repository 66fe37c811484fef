"""Flow control on PostgreSQL: a queue's ``concurrency`` and sliding-window ``rate_limit``,
exact across every daemon on the database.

A claim on a queue with a limit runs in a transaction that first locks the queue's row
(``FOR UPDATE``): the claims of that queue, from any daemon, take turns, and each one counts
the running tasks and the window's claims after the previous one committed (READ COMMITTED
gives every statement a fresh snapshot). A queue without limits never takes that lock: its
claims stay one statement. The window keeps one ``queue_claims`` row per claim for the last
``per`` seconds, stamped with ``clock_timestamp()`` read with the lock (the time after the
lock was granted, not the transaction's start); the claimed tasks' ``claimed_at`` is that
stamp too, so the window and the tasks agree."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store.postgres import queues as queue_store
from sparkq_daemon.store.postgres import tasks as task_store
from sparkq_daemon.store.postgres.db import Tx

OPEN_LIMITED_WITH_WORK = """
SELECT q.id FROM queues q
WHERE (q.concurrency IS NOT NULL OR q.rate_limit IS NOT NULL) AND NOT q.paused
  AND q.state IS NULL
  AND EXISTS (SELECT 1 FROM tasks t WHERE t.queue_id = q.id AND t.status = 'queued')
ORDER BY q.created_at, q.id
"""
LOCK = "SELECT * FROM queues WHERE id = $1 FOR UPDATE"
RUNNING = (
    "SELECT COALESCE(SUM(n), 0) FROM (SELECT n FROM queue_counts WHERE queue_id = $1 AND "
    "status = 'running' UNION ALL SELECT n FROM count_deltas WHERE queue_id = $1 AND "
    "status = 'running') c"
)
PRUNE = "DELETE FROM queue_claims WHERE queue_id = $1 AND at <= $3::timestamptz - make_interval(secs => $2)"
# (claims in the window ending at $4, seconds from $4 until the claim that fills it leaves,
# or NULL if not full). $4: the claim's stamp, or the time of a read.
WINDOW = """
WITH w AS (
    SELECT at FROM queue_claims
    WHERE queue_id = $1 AND at > $4::timestamptz - make_interval(secs => $2)
)
SELECT (SELECT count(*) FROM w) AS n,
       (SELECT extract(epoch FROM at + make_interval(secs => $2) - $4::timestamptz)::float8
        FROM w ORDER BY at OFFSET GREATEST((SELECT count(*) FROM w) - $3, 0) LIMIT 1)
        AS opens_in
"""


async def _window(
    conn: asyncpg.Connection, queue: asyncpg.Record, at: Any = None
) -> tuple[int, float | None]:
    """The window ending at ``at`` (a claim's stamp; None: the database's time now)."""
    if at is None:
        at = await conn.fetchval("SELECT clock_timestamp()")
    row = await conn.fetchrow(WINDOW, queue["id"], queue["rate_per"], queue["rate_limit"], at)
    n = int(row["n"])
    return n, (max(0.0, row["opens_in"]) if n >= queue["rate_limit"] else None)


async def claim(
    conn: asyncpg.Connection,
    origin: str | None,
    queue_id: str,
    worker: str | None,
    tools: list[str] | None,
    n: int,
    noted: dict[str, Any] | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Claim up to ``n`` tasks of a limited queue within its limits: (tasks, events)."""
    async with conn.transaction():
        queue = await conn.fetchrow(LOCK, queue_id)
        if queue is None or queue["paused"] or queue["state"] is not None:
            return [], []
        # Read once the lock is held (a column of the locking SELECT would be read before).
        stamp = await conn.fetchval("SELECT clock_timestamp()")
        allowed = n
        blocked: tuple[str, float | None] | None = None
        if queue["concurrency"] is not None:
            running = int(await conn.fetchval(RUNNING, queue_id))
            allowed = min(allowed, queue["concurrency"] - running)
            if allowed <= 0:
                blocked = ("concurrency", None)
        if blocked is None and queue["rate_limit"] is not None:
            await conn.execute(PRUNE, queue_id, queue["rate_per"], stamp)
            taken, opens_in = await _window(conn, queue, stamp)
            allowed = min(allowed, queue["rate_limit"] - taken)
            if allowed <= 0:
                blocked = ("rate", opens_in)
        if blocked is not None:
            if noted is not None:
                noted[queue_id] = blocked
            return [], []
        found, events = await task_store.claim(
            conn,
            origin,
            queue_id,
            None,
            worker,
            tools,
            allowed,
            limited_ok=True,
            stamp=stamp,
        )
        if found and queue["rate_limit"] is not None:
            # Stamped with the claims' claimed_at: the window and the tasks agree.
            await conn.execute(
                "INSERT INTO queue_claims (queue_id, at) SELECT $1, $3 FROM generate_series(1, $2)",
                queue_id,
                len(found),
                stamp,
            )
            _, opens_in = await _window(conn, queue, stamp)
            if opens_in is not None:
                await conn.execute(
                    "UPDATE queues SET rate_until = $3::timestamptz + make_interval(secs => $2) WHERE id = $1",
                    queue_id,
                    opens_in,
                    stamp,
                )
        return found, events


async def configure(tx: Tx, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Set or clear (None) ``concurrency`` and ``rate_limit`` ``{limit, per}``; the running
    count is the queue's running tasks themselves, so it never resets."""
    row = await queue_store.find(tx.conn, ref, lock=True)
    if row["state"] == "ended":
        raise Conflict(f"queue {row['name']!r} has ended; its limits cannot change")
    if "concurrency" in changes:
        await tx.conn.execute(
            "UPDATE queues SET concurrency = $1 WHERE id = $2", changes["concurrency"], row["id"]
        )
    if "rate_limit" in changes:
        rate = changes["rate_limit"]
        limit, per = (rate["limit"], float(rate["per"])) if rate else (None, None)
        await tx.conn.execute(
            "UPDATE queues SET rate_limit = $1, rate_per = $2, rate_until = NULL WHERE id = $3",
            limit,
            per,
            row["id"],
        )
        if rate is None:
            await tx.conn.execute("DELETE FROM queue_claims WHERE queue_id = $1", row["id"])
    tx.wake(row["id"])  # a raised or cleared limit may let a waiting claim through
    return await queue_store.touch(tx, row, "queue.updated")


async def why_blocked(conn: asyncpg.Connection, ref: str) -> dict[str, Any]:
    """``{reason, retry_after?}`` of a claim on the queue that got nothing (read now)."""
    queue = await queue_store.find(conn, ref)
    if queue["paused"]:
        return {"reason": "paused"}
    has_queued = await conn.fetchval(
        "SELECT 1 FROM tasks WHERE queue_id = $1 AND status = 'queued' LIMIT 1", queue["id"]
    )
    if has_queued:
        concurrency = queue["concurrency"]
        if (
            concurrency is not None
            and int(await conn.fetchval(RUNNING, queue["id"])) >= concurrency
        ):
            return {"reason": "concurrency"}
        if queue["rate_limit"] is not None:
            _, opens_in = await _window(conn, queue)
            if opens_in is not None:
                return {"reason": "rate", "retry_after": round(opens_in, 3)}
        return {"reason": "empty"}
    due_in = await conn.fetchval(
        "SELECT extract(epoch FROM MIN(run_at) - clock_timestamp())::float8 FROM tasks "
        "WHERE queue_id = $1 AND status = 'scheduled'",
        queue["id"],
    )
    if due_in is None:
        return {"reason": "empty"}
    return {"reason": "empty", "retry_after": round(max(0.0, due_in), 3)}


FREEING_EVENTS = frozenset(
    {"task.completed", "task.failed", "task.retrying", "task.cancelled", "task.deleted"}
)


class Wakeups:
    """Wakes this daemon's waiting claims when a limit they met lets go: a task of a queue
    at its concurrency limit ends (on any daemon: its event), or a rate-limited queue's next
    slot opens (a timer per queue, never a poll)."""

    def __init__(self, poke: Callable[[set[str]], None]) -> None:
        self._poke = poke
        self._freeing: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def note(self, noted: dict[str, Any]) -> None:
        for queue_id, (reason, opens_in) in noted.items():
            if reason == "concurrency":
                self._freeing.add(queue_id)
            elif opens_in is not None and queue_id not in self._timers:
                self._timers[queue_id] = asyncio.get_running_loop().call_later(
                    opens_in + 0.001, self._slot, queue_id
                )

    def _slot(self, queue_id: str) -> None:
        self._timers.pop(queue_id, None)
        self._poke({queue_id})

    def seen(self, events: list[dict[str, Any]]) -> None:
        """Events of any daemon: a task ending frees a slot of its queue."""
        if not self._freeing:
            return
        freed = {
            e["queue_id"]
            for e in events
            if e.get("type") in FREEING_EVENTS and e.get("queue_id") in self._freeing
        }
        if freed:
            self._freeing -= freed
            self._poke(freed)

    def close(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._freeing.clear()
