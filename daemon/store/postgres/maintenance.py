"""The sweeper's and purge's statements, chunked deletes, the daemon-wide counts, and the
folding of count deltas. Every time comparison uses the database's clock, never a daemon's:
daemons on several hosts agree on what is stale."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.postgres import dependencies, due, rows, tasks, timeline
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.task_lookup import SELECT

STALE_ERROR = "Task exceeded timeout"
PURGE_CHUNK = 2000
DELETE_CHUNK = 5000


async def sweep(tx: Tx) -> dict[str, Any]:
    """Fail running tasks silent for 2× their timeout (an attempt: retried when attempts
    remain, else ``failed`` with reason ``stale``); warn those silent for 1×; expire queued
    and scheduled tasks past ``expires_at``."""
    silent = await tx.conn.fetch(
        f"{SELECT} WHERE status = 'running' "
        "AND beat + 2 * timeout * interval '1 second' < clock_timestamp() "
        "ORDER BY seq FOR UPDATE OF tasks SKIP LOCKED"
    )
    failed, retried = [], []
    for row in silent:
        # No origin: the events go out with this transaction's (its counts are in the statement).
        task, events = await tasks.fail_attempt(
            tx.conn, None, row, STALE_ERROR, "stale", True, guarded=False
        )
        tx.events.extend(events)
        if task["status"] == "failed":
            await dependencies.settle_dependants(tx, row, "failed")
        (retried if task["status"] == "scheduled" else failed).append(task["friendly_id"])
    warned = await tx.conn.fetch(
        "UPDATE tasks SET stale_warned_at = now(), updated_at = now() WHERE status = 'running' "
        "AND stale_warned_at IS NULL AND beat + timeout * interval '1 second' < clock_timestamp() "
        "RETURNING seq, id, friendly_id, queue_id, attempts, worker",
    )
    warned = sorted(warned, key=lambda r: r["seq"])
    for row in warned:
        tx.emit(
            "task",
            "task.stale",
            id=row["id"],
            friendly_id=row["friendly_id"],
            queue_id=row["queue_id"],
            status="running",
        )
        await timeline.record(tx.conn, row["seq"], "stale", row["attempts"], row["worker"])
    settled = await due.settle(tx)
    return {
        "failed": failed,
        "retried": retried,
        "warned": [r["friendly_id"] for r in warned],
        "expired": settled["expired"],
        "next": settled["next"],
    }


async def purge(tx: Tx, older_than_s: float) -> int:
    """Delete up to PURGE_CHUNK finished tasks finished ``older_than_s`` or more ago (by the
    database's clock); the caller repeats while a full chunk comes back."""
    deleted = await tx.conn.fetch(
        "DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE finished_at IS NOT NULL "
        "AND finished_at <= now() - $1 * interval '1 second' "
        "AND status IN ('succeeded', 'failed', 'cancelled') "
        # never a task a blocked one still names
        "AND (NOT dependants OR NOT EXISTS (SELECT 1 FROM task_deps e JOIN tasks b "
        "ON b.seq = e.task_seq WHERE e.dep_seq = tasks.seq AND b.status = 'blocked')) "
        "ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "RETURNING seq, id, friendly_id, queue_id, status",
        float(older_than_s),
        PURGE_CHUNK,
    )
    for row in sorted(deleted, key=lambda r: r["seq"]):
        tx.moved(row["queue_id"], row["status"], None)
        tx.emit(
            "task",
            "task.purged",
            id=row["id"],
            friendly_id=row["friendly_id"],
            queue_id=row["queue_id"],
            status="purged",
        )
    return len(deleted)


async def release_dependants(tx: Tx, queue_ids: list[str]) -> None:
    """Before these queues' tasks are deleted: the blocked tasks (of other queues too) that
    wait for one of them are cancelled with reason ``dependency``, never left waiting."""
    named = await tx.conn.fetch(
        "SELECT seq, id, friendly_id, dependants FROM tasks WHERE queue_id = ANY($1::text[]) "
        "AND dependants ORDER BY seq",
        queue_ids,
    )
    for row in named:
        await dependencies.settle_dependants(tx, row, "deleted")


async def delete_tasks_chunk(tx: Tx, queue_ids: list[str]) -> int:
    """Delete up to DELETE_CHUNK tasks of these queues (a large cascade, one short commit at
    a time)."""
    deleted = await tx.conn.fetch(
        "DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE queue_id = ANY($1::text[]) "
        "LIMIT $2 FOR UPDATE) RETURNING queue_id, status",
        queue_ids,
        DELETE_CHUNK,
    )
    for row in deleted:
        tx.moved(row["queue_id"], row["status"], None)
    return len(deleted)


async def stats(conn: asyncpg.Connection) -> dict[str, Any]:
    tasks = dict.fromkeys(rows.TASK_STATUSES, 0)
    found = await conn.fetch(
        "SELECT status, SUM(n) AS n FROM (SELECT queue_id, status, n FROM queue_counts "
        "UNION ALL SELECT queue_id, status, n FROM count_deltas) c "
        "WHERE queue_id IN (SELECT id FROM queues) GROUP BY status"
    )
    for r in found:
        tasks[r["status"]] = int(r["n"])
    row = await conn.fetchrow(
        "SELECT (SELECT COUNT(*) FROM queues) AS queues, (SELECT COUNT(*) FROM sessions) AS "
        "sessions, pg_database_size(current_database()) AS db_bytes"
    )
    return {
        "tasks": tasks,
        "queues": row["queues"],
        "sessions": row["sessions"],
        "db_bytes": row["db_bytes"],
    }


FOLD = """
WITH d AS (
    DELETE FROM count_deltas RETURNING queue_id, status, n
), s AS (
    SELECT queue_id, status, SUM(n) AS n FROM d
    WHERE queue_id IN (SELECT id FROM queues) GROUP BY queue_id, status
)
INSERT INTO queue_counts (queue_id, status, n)
SELECT queue_id, status, n FROM s ORDER BY queue_id, status
ON CONFLICT (queue_id, status) DO UPDATE SET n = queue_counts.n + excluded.n
"""


async def fold_counts(conn: asyncpg.Connection) -> None:
    """Move the count deltas into the per-queue base in one statement: a reader (one
    statement, one snapshot) sees either the deltas or the base they went into."""
    await conn.execute(FOLD)


async def oldest_queued(conn: asyncpg.Connection) -> dict[str, str]:
    """The ``created_at`` of each queue's first queued task in enqueue order, read from the
    queued-only claim index (never stepping over finished tasks)."""
    found = await conn.fetch(
        "SELECT q.name, t.created_at FROM queues q CROSS JOIN LATERAL (SELECT created_at "
        "FROM tasks WHERE queue_id = q.id AND status = 'queued' ORDER BY seq LIMIT 1) t"
    )
    return {row["name"]: rows.iso(row["created_at"]) for row in found}
