"""The sweeper's and purge's statements, and the daemon-wide counts."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.store.sqlite import (
    dependencies,
    due,
    queues,
    rows,
    sessions,
    tasks,
    timeline,
)
from sparkq_daemon.store.sqlite.task_lookup import SELECT
from sparkq_daemon.store.sqlite.tx import Tx

STALE_ERROR = "Task exceeded timeout"


def sweep(tx: Tx) -> dict[str, list[str]]:
    """Fail running tasks silent for 2× their timeout (an attempt: retried when attempts
    remain, else ``failed`` with reason ``stale``); warn those silent for 1×; expire queued
    and scheduled tasks past ``expires_at``."""
    silent = tx.conn.execute(
        f"{SELECT} WHERE status = 'running' AND beat + 2 * timeout < ?", (tx.ts,)
    ).fetchall()
    failed, retried = [], []
    for row in silent:
        task = tasks.fail_attempt(tx, row, STALE_ERROR, "stale", retry=True)
        (retried if task["status"] == "scheduled" else failed).append(task["friendly_id"])
    warned = tx.conn.execute(
        "UPDATE tasks SET stale_warned_at = ?, updated_at = ? WHERE status = 'running' "
        "AND stale_warned_at IS NULL AND beat + timeout < ? "
        "RETURNING id, friendly_id, queue_id, seq, attempts, worker",
        (tx.now, tx.now, tx.ts),
    ).fetchall()
    for row in warned:
        tx.emit(
            "task", "task.stale", id=row[0], friendly_id=row[1], queue_id=row[2], status="running"
        )
        timeline.record(tx, row[3], "stale", row[4], row[5])
    settled = due.settle(tx, force=True)
    return {
        "failed": failed,
        "retried": retried,
        "warned": [r[1] for r in warned],
        "expired": settled["expired"],
    }


PURGE_CHUNK = 2000


def purge(tx: Tx, cutoff_iso: str) -> int:
    """Delete up to PURGE_CHUNK finished tasks whose ``finished_at`` is at or before
    ``cutoff_iso``; the caller repeats while a full chunk comes back, so one commit stays short."""
    tx.flush_counts()
    deleted = tx.conn.execute(
        "DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE finished_at IS NOT NULL "
        "AND finished_at <= ? AND status IN ('succeeded', 'failed', 'cancelled') "
        # never a task a blocked one still names
        "AND (dependants = 0 OR NOT EXISTS (SELECT 1 FROM task_deps e JOIN tasks b "
        "ON b.seq = e.task_seq WHERE e.dep_seq = tasks.seq AND b.status = 'blocked')) LIMIT ?) "
        "RETURNING id, friendly_id, queue_id",
        (cutoff_iso, PURGE_CHUNK),
    ).fetchall()
    for row in deleted:
        tx.emit(
            "task", "task.purged", id=row[0], friendly_id=row[1], queue_id=row[2], status="purged"
        )
    return len(deleted)


DELETE_CHUNK = 5000


def release_dependants(tx: Tx, queue_ids: list[str]) -> None:
    """Before these queues' tasks are deleted: the blocked tasks (of other queues too) that
    wait for one of them are cancelled with reason ``dependency``, never left waiting."""
    marks = ", ".join("?" * len(queue_ids)) or "NULL"
    named = tx.conn.execute(
        f"SELECT seq, id, friendly_id, dependants FROM tasks WHERE queue_id IN ({marks}) "
        "AND dependants = 1",
        queue_ids,
    ).fetchall()
    for row in named:
        dependencies.settle_dependants(tx, row, "deleted")


def delete_tasks_chunk(tx: Tx, queue_ids: list[str]) -> int:
    """Delete up to DELETE_CHUNK tasks of these queues (a large cascade, one short commit at
    a time, so the writer keeps answering others in between)."""
    marks = ", ".join("?" * len(queue_ids)) or "NULL"
    tx.flush_counts()
    return tx.conn.execute(
        f"DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE queue_id IN ({marks}) "
        "LIMIT ?)",
        (*queue_ids, DELETE_CHUNK),
    ).rowcount


def queue_ids(conn: sqlite3.Connection, session: str | None, queue: str | None) -> list[str]:
    """The ids of one queue, or of every queue in one session."""
    if queue is not None:
        return [queues.find(conn, queue)["id"]]
    sid = sessions.find(conn, session or "")["id"]
    return [r[0] for r in conn.execute("SELECT id FROM queues WHERE session_id = ?", (sid,))]


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    tasks = dict.fromkeys(rows.TASK_STATUSES, 0)
    for status, n in conn.execute("SELECT status, SUM(n) FROM queue_counts GROUP BY status"):
        tasks[status] = n
    return {
        "tasks": tasks,
        "queues": conn.execute("SELECT COUNT(*) FROM queues").fetchone()[0],
        "sessions": conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0],
    }


def oldest_queued(conn: sqlite3.Connection) -> dict[str, str]:
    """The ``created_at`` of each queue's first queued task in enqueue order (a task keeps
    its place and its ``created_at`` when requeued). The lowest ``seq`` is read from the
    queued-only index ``tasks_claim``: it walks the queued tasks' index entries, never the
    finished tasks that ``tasks_queue_page`` would make it step over."""
    found = conn.execute(
        "SELECT q.name, t.created_at FROM queues q JOIN tasks t ON t.seq = (SELECT MIN(seq) "
        "FROM tasks INDEXED BY tasks_claim WHERE queue_id = q.id AND status = 'queued')"
    )
    return dict(found.fetchall())
