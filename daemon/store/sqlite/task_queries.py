"""Task listings: the newest-first page with filters and totals, and peek."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.store.sqlite import queues as queue_store
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite import sessions as session_store
from sparkq_daemon.store.sqlite.task_lookup import SELECT, out

MAX_LIMIT = 1000


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_(
    conn: sqlite3.Connection,
    queue: str | None,
    session: str | None,
    statuses: tuple[str, ...],
    tool: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Newest first. ``total`` comes from the per-queue counters when it can."""
    where, args = [], []
    queue_ids: list[str] | None = None
    if queue:
        queue_ids = [queue_store.find(conn, queue)["id"]]
    if session:
        sid = session_store.find(conn, session)["id"]
        in_session = [
            r[0] for r in conn.execute("SELECT id FROM queues WHERE session_id = ?", (sid,))
        ]
        queue_ids = in_session if queue_ids is None else [q for q in queue_ids if q in in_session]
    if queue_ids is not None:
        where.append(f"queue_id IN ({', '.join('?' * len(queue_ids)) or 'NULL'})")
        args += queue_ids
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        args += statuses
    if tool:
        where.append("tool = ?")
        args.append(tool)
    if search:
        where.append(
            "(friendly_id LIKE ? ESCAPE '\\' OR payload LIKE ? ESCAPE '\\' "
            "OR tool LIKE ? ESCAPE '\\' OR error LIKE ? ESCAPE '\\')"
        )
        args += [_like(search)] * 4
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    applied = min(limit, MAX_LIMIT)
    found = conn.execute(
        f"{SELECT}{clause} ORDER BY seq DESC LIMIT ? OFFSET ?", (*args, applied, offset)
    ).fetchall()
    tasks = []
    for row in found:
        task = rows.task(row)
        task.pop("seq", None)
        tasks.append(task)
    if tool or search:
        total = conn.execute(f"SELECT COUNT(*) FROM tasks{clause}", args).fetchone()[0]
    else:
        total = _counted_total(conn, queue_ids, statuses)
    return {
        "tasks": tasks,
        "total": total,
        "limit_applied": applied,
        "truncated": offset + len(tasks) < total,
        "max_limit": MAX_LIMIT,
    }


def _counted_total(
    conn: sqlite3.Connection, queue_ids: list[str] | None, statuses: tuple[str, ...]
) -> int:
    where, args = [], []
    if queue_ids is not None:
        where.append(f"queue_id IN ({', '.join('?' * len(queue_ids)) or 'NULL'})")
        args += queue_ids
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        args += statuses
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return conn.execute(f"SELECT COALESCE(SUM(n), 0) FROM queue_counts{clause}", args).fetchone()[0]


def peek(conn: sqlite3.Connection, queue_ref: str) -> dict[str, Any] | None:
    queue = queue_store.find(conn, queue_ref)
    if queue["paused"] or queue["state"] == "archived":
        return None
    row = conn.execute(
        f"{SELECT} WHERE queue_id = ? AND status = 'queued' ORDER BY priority DESC, seq LIMIT 1",
        (queue["id"],),
    ).fetchone()
    return None if row is None else out(row)
