"""Live output on SQLite: ``task.log`` appends a chunk to a running task's ``task_logs``
(dropping the oldest beyond the tail cap), ``task.logs`` pages them."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store.live import LOG_TAIL_BYTES, log_event
from sparkq_daemon.store.sqlite.database import telemetry
from sparkq_daemon.store.sqlite.task_lookup import find, match
from sparkq_daemon.store.sqlite.tasks import _running, held_by
from sparkq_daemon.store.sqlite.tx import Tx


@telemetry
def append(
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
    clause, args = match(ref)
    held, held_args = held_by(worker, attempt, lease)
    args = (*args, *held_args)
    row = tx.conn.execute(
        "UPDATE tasks SET log_seq = log_seq + 1, log_bytes = log_bytes + ? "
        f"WHERE {clause} AND status = 'running'{held} "
        "RETURNING seq, log_seq, log_bytes, id, friendly_id, queue_id",
        (size, *args),
    ).fetchone()
    if row is None:
        _running(tx, ref, worker, "given output", attempt, lease)  # raises NotFound or Conflict
        raise Conflict(f"task {ref!r} cannot be given output")
    task_seq, seq, kept = row[0], row[1], row[2]
    tx.conn.execute(
        "INSERT INTO task_logs (task_seq, seq, at, stream, text, bytes) VALUES (?, ?, ?, ?, ?, ?)",
        (task_seq, seq, tx.now, stream, text, size),
    )
    if kept > cap:
        _keep_tail(tx.conn, task_seq, seq, kept - cap)
    line = {"seq": seq, "at": tx.now, "stream": stream, "text": text}
    task = {"id": row[3], "friendly_id": row[4], "queue_id": row[5]}
    tx.events.append(log_event(task, line))
    return line


def _keep_tail(conn: sqlite3.Connection, task_seq: int, newest: int, excess: int) -> None:
    """Drop the task's oldest lines until ``excess`` bytes are gone (whole lines; the
    newest line always stays, even alone over the cap)."""
    dropped, last = 0, None
    for seq, size in conn.execute(
        "SELECT seq, bytes FROM task_logs WHERE task_seq = ? AND seq < ? ORDER BY seq",
        (task_seq, newest),
    ):
        if dropped >= excess:
            break
        dropped, last = dropped + size, seq
    if last is None:
        return
    conn.execute("DELETE FROM task_logs WHERE task_seq = ? AND seq <= ?", (task_seq, last))
    conn.execute("UPDATE tasks SET log_bytes = log_bytes - ? WHERE seq = ?", (dropped, task_seq))


def page(conn: sqlite3.Connection, ref: str, after: int, limit: int) -> dict[str, Any]:
    """``{lines: [{seq, at, stream, text}], next}``: the task's lines after ``after``, oldest
    first; ``next`` is the ``after`` of the following page."""
    task = find(conn, ref)
    lines = [
        {"seq": r[0], "at": r[1], "stream": r[2], "text": r[3]}
        for r in conn.execute(
            "SELECT seq, at, stream, text FROM task_logs WHERE task_seq = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (task["seq"], after, limit),
        )
    ]
    return {"lines": lines, "next": lines[-1]["seq"] if lines else after}
