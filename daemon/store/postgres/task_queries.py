"""Task listings: the newest-first page with filters and totals, and peek."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.postgres import queues as queue_store
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres import sessions as session_store
from sparkq_daemon.store.postgres.task_lookup import SELECT

MAX_LIMIT = 1000


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_(
    conn: asyncpg.Connection,
    queue: str | None,
    session: str | None,
    statuses: tuple[str, ...],
    tool: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Newest first. ``total`` comes from the per-queue counts when it can."""
    where: list[str] = []
    args: list[Any] = []
    queue_ids: list[str] | None = None
    if queue:
        queue_ids = [(await queue_store.find(conn, queue))["id"]]
    if session:
        sid = (await session_store.find(conn, session))["id"]
        in_session = [
            r["id"] for r in await conn.fetch("SELECT id FROM queues WHERE session_id = $1", sid)
        ]
        queue_ids = in_session if queue_ids is None else [q for q in queue_ids if q in in_session]
    if queue_ids is not None:
        where.append(_one_of("queue_id", queue_ids, args))
    if statuses:
        where.append(_one_of("status", list(statuses), args))
    if tool:
        args.append(tool)
        where.append(f"tool = ${len(args)}")
    if search:
        args.append(_like(search))
        n = len(args)
        # SQLite's LIKE ignores ASCII case; ILIKE is the same here.
        where.append(
            f"(friendly_id ILIKE ${n} OR payload ILIKE ${n} OR tool ILIKE ${n} OR error ILIKE ${n})"
        )
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    applied = min(limit, MAX_LIMIT)
    found = await conn.fetch(
        f"{SELECT}{clause} ORDER BY seq DESC LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
        *args,
        applied,
        offset,
    )
    tasks = [rows.task(r) for r in found]
    if tool or search:
        total = await conn.fetchval(f"SELECT COUNT(*) FROM tasks{clause}", *args)
    else:
        total = await _counted_total(conn, queue_ids, statuses)
    return {
        "tasks": tasks,
        "total": total,
        "limit_applied": applied,
        "truncated": offset + len(tasks) < total,
        "max_limit": MAX_LIMIT,
    }


def _one_of(column: str, values: list[Any], args: list[Any]) -> str:
    """``column = $n`` for one value, else ``= ANY``; the value goes in ``args``. With ``=``
    one queue's newest page reads in order from the (queue_id, seq) index: on a 50 000-task
    queue 1.7 ms, against 37 ms before (all its rows sorted)."""
    if len(values) == 1:
        args.append(values[0])
        return f"{column} = ${len(args)}"
    args.append(values)
    return f"{column} = ANY(${len(args)}::text[])"


async def _counted_total(
    conn: asyncpg.Connection, queue_ids: list[str] | None, statuses: tuple[str, ...]
) -> int:
    where = ["queue_id IN (SELECT id FROM queues)"]
    args: list[Any] = []
    if queue_ids is not None:
        args.append(queue_ids)
        where.append(f"queue_id = ANY(${len(args)}::text[])")
    if statuses:
        args.append(list(statuses))
        where.append(f"status = ANY(${len(args)}::text[])")
    clause = " AND ".join(where)
    return int(
        await conn.fetchval(
            "SELECT COALESCE(SUM(n), 0) FROM (SELECT queue_id, status, n FROM queue_counts "
            f"UNION ALL SELECT queue_id, status, n FROM count_deltas) c WHERE {clause}",
            *args,
        )
    )


async def peek(conn: asyncpg.Connection, queue_ref: str) -> dict[str, Any] | None:
    queue = await queue_store.find(conn, queue_ref)
    if queue["paused"] or queue["state"] == "archived":
        return None
    row = await conn.fetchrow(
        f"{SELECT} WHERE queue_id = $1 AND status = 'queued' ORDER BY priority DESC, seq LIMIT 1",
        queue["id"],
    )
    return None if row is None else rows.task(row)
