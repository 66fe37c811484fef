"""Flow control on SQLite: a queue's ``concurrency`` and sliding-window ``rate_limit``.

Every claim runs inside the single writer, so checking a limit and taking the task in the
same transaction is exact for every runner of the daemon. Concurrency counts the queue's
running tasks (its kept counts plus this group's pending changes); the rate limit keeps one
row per claim in ``queue_claims`` for the last ``per`` seconds: a true sliding window, so no
burst gets through at the edge of a bucket."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store.sqlite import queues as queue_store
from sparkq_daemon.store.sqlite.due import unix
from sparkq_daemon.store.sqlite.tx import Tx

Blocked = tuple[str, float | None]  # (reason, unix time a slot opens or None)


def is_limited(queue: sqlite3.Row) -> bool:
    return queue["concurrency"] is not None or queue["rate_limit"] is not None


def running(tx: Tx, queue_id: str) -> int:
    """Running tasks of the queue as of this operation (kept counts + pending changes)."""
    row = tx.conn.execute(
        "SELECT n FROM queue_counts WHERE queue_id = ? AND status = 'running'", (queue_id,)
    ).fetchone()
    key = (queue_id, "running")
    return (row[0] if row else 0) + tx.group.counts.get(key, 0) + tx.counts.get(key, 0)


def _window(conn: sqlite3.Connection, queue: sqlite3.Row, ts: float) -> tuple[int, float | None]:
    """(claims in the window ending at ``ts``, when the window next has a free slot if full)."""
    cutoff = ts - queue["rate_per"]
    n = conn.execute(
        "SELECT COUNT(*) FROM queue_claims WHERE queue_id = ? AND at > ?", (queue["id"], cutoff)
    ).fetchone()[0]
    if n < queue["rate_limit"]:
        return n, None
    # The slot opens when the claim that makes the window full leaves it.
    oldest = conn.execute(
        "SELECT at FROM queue_claims WHERE queue_id = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?",
        (queue["id"], cutoff, n - queue["rate_limit"]),
    ).fetchone()[0]
    return n, oldest + queue["rate_per"]


def check(tx: Tx, queue: sqlite3.Row) -> Blocked | None:
    """Why a claim on ``queue`` must wait now (noted in the group), or None."""
    blocked: Blocked | None = None
    if queue["concurrency"] is not None and running(tx, queue["id"]) >= queue["concurrency"]:
        blocked = ("concurrency", None)
    elif queue["rate_limit"] is not None:
        tx.conn.execute(
            "DELETE FROM queue_claims WHERE queue_id = ? AND at <= ?",
            (queue["id"], tx.ts - queue["rate_per"]),
        )
        _, opens = _window(tx.conn, queue, tx.ts)
        if opens is not None:
            blocked = ("rate", opens)
    if blocked is not None:
        tx.group.limited[queue["id"]] = blocked
    return blocked


def taken(tx: Tx, queue: sqlite3.Row) -> None:
    """A task of ``queue`` was claimed: count it in the rate window."""
    if queue["rate_limit"] is None:
        return
    tx.conn.execute("INSERT INTO queue_claims (queue_id, at) VALUES (?, ?)", (queue["id"], tx.ts))
    _, opens = _window(tx.conn, queue, tx.ts)
    if opens is not None:
        tx.conn.execute("UPDATE queues SET rate_until = ? WHERE id = ?", (opens, queue["id"]))


def blocked_queues(tx: Tx) -> tuple[list[str], dict[str, sqlite3.Row]]:
    """For a claim from any queue: (ids of open limited queues at a limit now, every open
    limited queue by id)."""
    found = tx.conn.execute(
        "SELECT * FROM queues WHERE (concurrency IS NOT NULL OR rate_limit IS NOT NULL) "
        "AND paused = 0 AND state IS NULL"
    ).fetchall()
    limited = {row["id"]: row for row in found}
    return [qid for qid, row in limited.items() if check(tx, row) is not None], limited


def configure(tx: Tx, ref: str, changes: dict[str, Any]) -> None:
    """Set or clear (None) ``concurrency`` and ``rate_limit`` ``{limit, per}``; a running
    count is never reset: it is the queue's running tasks themselves."""
    row = queue_store.find(tx.conn, ref)
    if row["state"] == "ended":
        raise Conflict(f"queue {row['name']!r} has ended; its limits cannot change")
    tx.group.forget_queues()
    if "concurrency" in changes:
        tx.conn.execute(
            "UPDATE queues SET concurrency = ? WHERE id = ?", (changes["concurrency"], row["id"])
        )
    if "rate_limit" in changes:
        rate = changes["rate_limit"]
        limit, per = (rate["limit"], float(rate["per"])) if rate else (None, None)
        tx.conn.execute(
            "UPDATE queues SET rate_limit = ?, rate_per = ?, rate_until = NULL WHERE id = ?",
            (limit, per, row["id"]),
        )
        if rate is None:
            tx.conn.execute("DELETE FROM queue_claims WHERE queue_id = ?", (row["id"],))


def why_blocked(conn: sqlite3.Connection, ref: str, ts: float) -> dict[str, Any]:
    """``{reason, retry_after?}`` of a claim on the queue that got nothing (read now)."""
    queue = queue_store.find(conn, ref)
    if queue["paused"]:
        return {"reason": "paused"}
    has_queued = conn.execute(
        "SELECT 1 FROM tasks WHERE queue_id = ? AND status = 'queued' LIMIT 1", (queue["id"],)
    ).fetchone()
    if has_queued:
        if queue["concurrency"] is not None:
            row = conn.execute(
                "SELECT n FROM queue_counts WHERE queue_id = ? AND status = 'running'",
                (queue["id"],),
            ).fetchone()
            if (row[0] if row else 0) >= queue["concurrency"]:
                return {"reason": "concurrency"}
        if queue["rate_limit"] is not None:
            _, opens = _window(conn, queue, ts)
            if opens is not None:
                return {"reason": "rate", "retry_after": round(max(0.0, opens - ts), 3)}
        return {"reason": "empty"}
    due = conn.execute(
        "SELECT MIN(run_at) FROM tasks WHERE queue_id = ? AND status = 'scheduled'",
        (queue["id"],),
    ).fetchone()[0]
    if due is None:
        return {"reason": "empty"}
    return {"reason": "empty", "retry_after": round(max(0.0, unix(due) - ts), 3)}
