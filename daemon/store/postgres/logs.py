"""Live output on PostgreSQL: ``task.log`` appends a chunk to a running task's
``task_logs`` (dropping the oldest beyond the tail cap) in one transaction that sends its
``task.log`` event to every daemon; ``task.logs`` pages them."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store.guards import check_running
from sparkq_daemon.store.live import LOG_TAIL_BYTES, log_event
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.task_lookup import find
from sparkq_daemon.store.postgres.tasks import _guard

APPEND = """
WITH c AS (
    UPDATE tasks t SET log_seq = t.log_seq + 1, log_bytes = t.log_bytes + $1
    WHERE {clause} AND t.status = 'running'{held}
    RETURNING t.seq, t.log_seq, t.log_bytes, t.id, t.friendly_id, t.queue_id
)
INSERT INTO task_logs (task_seq, seq, at, stream, text, bytes)
SELECT c.seq, c.log_seq, now(), $2, $3, $1 FROM c
RETURNING task_seq, seq, at, (SELECT log_bytes FROM c) AS kept,
          (SELECT id FROM c) AS id, (SELECT friendly_id FROM c) AS friendly_id,
          (SELECT queue_id FROM c) AS queue_id
"""

# The oldest lines (never the newest) whose bytes, counted from the oldest, cover $3.
TRIM = """
WITH gone AS (
    DELETE FROM task_logs WHERE task_seq = $1 AND seq <= (
        SELECT COALESCE(MIN(seq) FILTER (WHERE running >= $3), MAX(seq)) FROM (
            SELECT seq, sum(bytes) OVER (ORDER BY seq) AS running
            FROM task_logs WHERE task_seq = $1 AND seq < $2
        ) s
    )
    RETURNING bytes
)
UPDATE tasks SET log_bytes = log_bytes - (SELECT COALESCE(sum(bytes), 0) FROM gone)
WHERE seq = $1
"""


async def append(
    tx: Tx,
    ref: str,
    worker: str | None,
    attempt: int | None,
    stream: str,
    text: str,
    lease: int | None = None,
    cap: int = LOG_TAIL_BYTES,
) -> dict[str, Any]:
    """Add ``text`` to the running task's output; the line ``{seq, at, stream, text}``."""
    size = len(text.encode())
    clause, held, args = _guard(ref, worker, 4, attempt, lease)
    row = await tx.conn.fetchrow(APPEND.format(clause=clause, held=held), size, stream, text, *args)
    if row is None:
        check_running(await find(tx.conn, ref), worker, "given output", attempt, lease)
        raise Conflict(f"task {ref!r} cannot be given output")
    if row["kept"] > cap:
        await tx.conn.execute(TRIM, row["task_seq"], row["seq"], row["kept"] - cap)
    line = {"seq": row["seq"], "at": rows.iso(row["at"]), "stream": stream, "text": text}
    task = {"id": row["id"], "friendly_id": row["friendly_id"], "queue_id": row["queue_id"]}
    tx.events.append(log_event(task, line))
    return line


async def page(conn: asyncpg.Connection, ref: str, after: int, limit: int) -> dict[str, Any]:
    """``{lines: [{seq, at, stream, text}], next}``: the task's lines after ``after``, oldest
    first; ``next`` is the ``after`` of the following page."""
    task = await find(conn, ref)
    found = await conn.fetch(
        "SELECT seq, at, stream, text FROM task_logs WHERE task_seq = $1 AND seq > $2 "
        "ORDER BY seq LIMIT $3",
        task["seq"],
        after,
        limit,
    )
    lines = [
        {"seq": r["seq"], "at": rows.iso(r["at"]), "stream": r["stream"], "text": r["text"]}
        for r in found
    ]
    return {"lines": lines, "next": lines[-1]["seq"] if lines else after}
