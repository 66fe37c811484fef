"""Time passing: due ``scheduled`` tasks promoted to ``queued``, ``queued`` and ``scheduled``
tasks past ``expires_at`` failed with reason ``expired``. Run once per group commit before
a claim picks a task, by the due timer (``due_timer.py``), and by the sweeper."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sparkq_daemon.store.sqlite import dependencies, timeline
from sparkq_daemon.store.sqlite.tx import Tx

EXPIRED_ERROR = "Task expired before it was claimed"


def unix(iso: str) -> float:
    """A protocol time string as unix seconds."""
    return datetime.fromisoformat(iso).timestamp()


def settle(tx: Tx, force: bool = False) -> dict[str, list[str]]:
    """Expire, then promote, as of the transaction's time; once per group commit (all its
    operations share one time), and only once something can be due (``tx.due``) unless
    ``force``. Friendly ids ``{promoted, expired}``."""
    nothing = {"promoted": [], "expired": []}
    if tx.group.due_settled and not force:
        return nothing
    tx.group.due_settled = True
    if not force and (tx.due.at is None or tx.due.at > tx.ts):
        return nothing
    done = {"expired": expire(tx), "promoted": promote(tx)}
    tx.due.at = _next_moment(tx.conn)
    return done


def _next_moment(conn: sqlite3.Connection) -> float | None:
    """The earliest due ``run_at`` or ``expires_at`` still ahead (unix seconds)."""
    row = conn.execute(
        "SELECT (SELECT MIN(run_at) FROM tasks WHERE status = 'scheduled'), "
        "(SELECT MIN(expires_at) FROM tasks WHERE expires_at IS NOT NULL "
        "AND status IN ('queued', 'scheduled'))"
    ).fetchone()
    found = [unix(v) for v in row if v is not None]
    return min(found) if found else None


def promote(tx: Tx) -> list[str]:
    promoted = tx.conn.execute(
        "UPDATE tasks SET status = 'queued', updated_at = ? "
        "WHERE status = 'scheduled' AND run_at <= ? "
        "RETURNING seq, id, friendly_id, queue_id, attempts",
        (tx.now, tx.now),
    ).fetchall()
    for _seq, id_, friendly, queue_id, _attempts in promoted:
        tx.moved(queue_id, "scheduled", "queued")
        tx.emit(
            "task", "task.due", id=id_, friendly_id=friendly, queue_id=queue_id, status="queued"
        )
    if promoted:
        timeline.record_many(tx, (timeline.entry(tx, r[0], "due", r[4] or None) for r in promoted))
    return [r[2] for r in promoted]


def expire(tx: Tx) -> list[str]:
    found = tx.conn.execute(
        "SELECT seq, id, friendly_id, queue_id, attempts, status, dependants FROM tasks "
        "WHERE expires_at IS NOT NULL AND status IN ('queued', 'scheduled') AND expires_at <= ?",
        (tx.now,),
    ).fetchall()
    if not found:
        return []
    tx.conn.executemany(
        "UPDATE tasks SET status = 'failed', reason = 'expired', error = ?, finished_at = ?, "
        "updated_at = ? WHERE seq = ? AND status = ?",
        [(EXPIRED_ERROR, tx.now, tx.now, r[0], r[5]) for r in found],
    )
    for seq, id_, friendly, queue_id, attempts, status, named in found:
        tx.moved(queue_id, status, "failed")
        tx.emit(
            "task",
            "task.failed",
            id=id_,
            friendly_id=friendly,
            queue_id=queue_id,
            status="failed",
            reason="expired",
        )
        detail = {"reason": "expired", "error": EXPIRED_ERROR}
        timeline.record(tx, seq, "failed", attempts or None, detail=detail)
        if named:
            ended = {"seq": seq, "id": id_, "friendly_id": friendly, "dependants": named}
            dependencies.settle_dependants(tx, ended, "failed")
    return [r[2] for r in found]


def earliest(conn: sqlite3.Connection) -> float | None:
    """The earliest ``run_at`` of a scheduled task, as unix seconds."""
    row = conn.execute("SELECT MIN(run_at) FROM tasks WHERE status = 'scheduled'").fetchone()
    return None if row is None or row[0] is None else unix(row[0])


def promote_now(tx: Tx) -> dict[str, Any]:
    """The due timer's write: settle now, and the next ``run_at`` to wake for."""
    done = settle(tx, force=True)
    return {**done, "next": earliest(tx.conn)}
