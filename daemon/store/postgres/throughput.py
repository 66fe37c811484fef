"""``queue.throughput`` on PostgreSQL: per queue, tasks finished per minute over the last
minutes (database time), and the oldest queued task with its class's timeout."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.queues import find


async def throughput(
    conn: asyncpg.Connection, ref: str | None, minutes: int
) -> list[dict[str, Any]]:
    """``[{id, name, counts, total, oldest_queued}]``: ``counts`` holds the tasks that
    succeeded or failed in each of the last ``minutes`` minutes, oldest minute first."""
    if ref is not None:
        row = await find(conn, ref)
        queues = [(row["id"], row["name"])]
    else:
        queues = [
            (r["id"], r["name"])
            for r in await conn.fetch("SELECT id, name FROM queues ORDER BY created_at, id")
        ]
    only = queues[0][0] if ref is not None else None
    out = {
        qid: {"id": qid, "name": name, "counts": [0] * minutes, "total": 0, "oldest_queued": None}
        for qid, name in queues
    }
    for r in await conn.fetch(
        "SELECT queue_id, floor(extract(epoch FROM now() - finished_at) / 60)::int AS ago, "
        "count(*) AS n FROM tasks WHERE finished_at > now() - $1 * interval '1 minute' "
        "AND status IN ('succeeded', 'failed') AND ($2::text IS NULL OR queue_id = $2) "
        "GROUP BY 1, 2",
        minutes,
        only,
    ):
        entry = out.get(r["queue_id"])
        if entry is not None and 0 <= r["ago"] < minutes:
            entry["counts"][minutes - 1 - r["ago"]] += r["n"]
            entry["total"] += r["n"]
    for r in await conn.fetch(
        "SELECT q.id, t.friendly_id, t.created_at, COALESCE(c.timeout, t.timeout) AS timeout, "
        "extract(epoch FROM now() - t.created_at)::float8 AS waited "
        "FROM queues q CROSS JOIN LATERAL (SELECT friendly_id, created_at, timeout, task_class "
        "FROM tasks WHERE queue_id = q.id AND status = 'queued' ORDER BY seq LIMIT 1) t "
        "LEFT JOIN task_classes c ON c.name = t.task_class"
    ):
        entry = out.get(r["id"])
        if entry is not None:
            entry["oldest_queued"] = {
                "friendly_id": r["friendly_id"],
                "created_at": rows.iso(r["created_at"]),
                "waited_s": round(r["waited"], 3),
                "class_timeout": rows.seconds(r["timeout"]),
                "overdue": r["waited"] > r["timeout"],
            }
    return list(out.values())
