"""``queue.throughput`` on SQLite: per queue, tasks finished per minute over the last
minutes, and the oldest queued task with its class's timeout (read from the finished-time
index and the queued-only claim index: no scan of a queue's history)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sparkq_daemon.clock import iso_from_unix
from sparkq_daemon.store.sqlite.queues import find


def throughput(
    conn: sqlite3.Connection, ref: str | None, minutes: int, now: float
) -> list[dict[str, Any]]:
    """``[{id, name, counts, total, oldest_queued}]``: ``counts`` holds the tasks that
    succeeded or failed in each of the last ``minutes`` minutes, oldest minute first."""
    if ref is not None:
        row = find(conn, ref)
        queues = [(row["id"], row["name"])]
        only, args = " AND t.queue_id = ?", (row["id"],)
    else:
        queues = conn.execute("SELECT id, name FROM queues ORDER BY created_at, id").fetchall()
        only, args = "", ()
    out = {
        qid: {"id": qid, "name": name, "counts": [0] * minutes, "total": 0, "oldest_queued": None}
        for qid, name in queues
    }
    now_iso = iso_from_unix(now)
    for qid, ago, n in conn.execute(
        "SELECT t.queue_id, CAST((julianday(?) - julianday(t.finished_at)) * 1440 AS INTEGER), "
        "count(*) FROM tasks t INDEXED BY tasks_finished WHERE t.finished_at > ? "
        f"AND t.finished_at IS NOT NULL AND t.status IN ('succeeded', 'failed'){only} "
        "GROUP BY 1, 2",
        (now_iso, iso_from_unix(now - minutes * 60), *args),
    ):
        if qid in out and 0 <= ago < minutes:
            out[qid]["counts"][minutes - 1 - ago] += n
            out[qid]["total"] += n
    for qid, fid, created, timeout in conn.execute(
        "SELECT q.id, t.friendly_id, t.created_at, COALESCE(c.timeout, t.timeout) "
        "FROM queues q JOIN tasks t ON t.seq = (SELECT MIN(seq) FROM tasks INDEXED BY "
        "tasks_claim WHERE queue_id = q.id AND status = 'queued') "
        "LEFT JOIN task_classes c ON c.name = t.task_class"
    ):
        if qid in out:
            waited = round(now - datetime.fromisoformat(created).timestamp(), 3)
            out[qid]["oldest_queued"] = {
                "friendly_id": fid,
                "created_at": created,
                "waited_s": waited,
                "class_timeout": timeout,
                "overdue": waited > timeout,
            }
    return list(out.values())
