"""Time passing, in database time: ``queued`` and ``scheduled`` tasks past ``expires_at``
failed with reason ``expired``, due ``scheduled`` tasks promoted to ``queued`` (waking the
waiting claims of every daemon). Run by the due timer (``due_timer.py``), before a claim
once a known due time has come, and by the sweeper. Rows are taken with ``SKIP LOCKED``:
daemons promoting at the same moment share the work, none waits for another."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.postgres import dependencies, timeline
from sparkq_daemon.store.postgres.db import Tx

EXPIRED_ERROR = "Task expired before it was claimed"
CHUNK = 5000

_RETURNING = (
    "t.seq, t.events, t.id, t.friendly_id, t.queue_id, t.attempts, t.dependants, o.status AS old"
)

EXPIRE = f"""
WITH c AS (
    UPDATE tasks t SET status = 'failed', reason = 'expired', error = $1, finished_at = now(),
        updated_at = now(), events = t.events + 1
    FROM (SELECT seq, status FROM tasks WHERE expires_at IS NOT NULL
          AND status IN ('queued', 'scheduled') AND expires_at <= clock_timestamp()
          ORDER BY seq LIMIT {CHUNK} FOR UPDATE SKIP LOCKED) o
    WHERE t.seq = o.seq AND t.status = o.status
    RETURNING {_RETURNING}
), ev AS (
    INSERT INTO task_events ({timeline.COLUMNS})
    SELECT c.seq, c.events, now(), 'failed', NULLIF(c.attempts, 0), NULL,
           json_build_object('reason', 'expired', 'error', $1::text)::text FROM c
)
SELECT * FROM c ORDER BY seq
"""

PROMOTE = f"""
WITH c AS (
    UPDATE tasks t SET status = 'queued', updated_at = now(), events = t.events + 1
    FROM (SELECT seq, status FROM tasks WHERE status = 'scheduled'
          AND run_at <= clock_timestamp()
          ORDER BY run_at, seq LIMIT {CHUNK} FOR UPDATE SKIP LOCKED) o
    WHERE t.seq = o.seq AND t.status = 'scheduled'
    RETURNING {_RETURNING}
), ev AS (
    INSERT INTO task_events ({timeline.COLUMNS})
    SELECT c.seq, c.events, now(), 'due', NULLIF(c.attempts, 0), NULL, NULL FROM c
)
SELECT * FROM c ORDER BY seq
"""

# Seconds from the database's now to the next due run_at or expires_at (None: nothing).
NEXT = """
SELECT extract(epoch FROM LEAST(
    (SELECT MIN(run_at) FROM tasks WHERE status = 'scheduled'),
    (SELECT MIN(expires_at) FROM tasks WHERE expires_at IS NOT NULL
     AND status IN ('queued', 'scheduled'))
) - clock_timestamp())::float8
"""


async def settle(tx: Tx) -> dict[str, Any]:
    """Expire, then promote, as of the database's time: ``{promoted, expired}`` (friendly
    ids) and ``next``, the seconds until the next moment something is due (or None)."""
    expired = await tx.conn.fetch(EXPIRE, EXPIRED_ERROR)
    for r in expired:
        tx.moved(r["queue_id"], r["old"], "failed")
        tx.emit(
            "task",
            "task.failed",
            id=r["id"],
            friendly_id=r["friendly_id"],
            queue_id=r["queue_id"],
            status="failed",
            reason="expired",
        )
        await dependencies.settle_dependants(tx, r, "failed")
    promoted = await tx.conn.fetch(PROMOTE)
    for r in promoted:
        tx.moved(r["queue_id"], "scheduled", "queued")
        tx.wake(r["queue_id"])
        tx.emit(
            "task",
            "task.due",
            id=r["id"],
            friendly_id=r["friendly_id"],
            queue_id=r["queue_id"],
            status="queued",
        )
    return {
        "promoted": [r["friendly_id"] for r in promoted],
        "expired": [r["friendly_id"] for r in expired],
        "next": await next_wait(tx.conn),
    }


async def next_wait(conn: asyncpg.Connection) -> float | None:
    """Seconds until the next due ``run_at`` or ``expires_at`` (None: nothing is waiting)."""
    return await conn.fetchval(NEXT)
