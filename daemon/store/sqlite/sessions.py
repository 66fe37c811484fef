"""Sessions: create, list, get, end, delete."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.ids import new_id
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.tx import Tx


def find(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """The session with this id or name, or NotFound naming it."""
    row = conn.execute(
        "SELECT * FROM sessions WHERE id = ? UNION ALL SELECT * FROM sessions WHERE name = ? "
        "LIMIT 1",
        (ref, ref),
    ).fetchone()
    if row is None:
        raise NotFound(f"session {ref!r} does not exist", id=ref)
    return row


def create(tx: Tx, name: str, description: str) -> dict[str, Any]:
    if tx.conn.execute("SELECT 1 FROM sessions WHERE name = ?", (name,)).fetchone():
        raise Conflict(f"a session named {name!r} already exists", field="name")
    sid = new_id("ses")
    tx.conn.execute(
        "INSERT INTO sessions (id, name, description, status, created_at, updated_at) "
        "VALUES (?, ?, ?, 'active', ?, ?)",
        (sid, name, description, tx.now, tx.now),
    )
    tx.emit("session", "session.created", id=sid, status="active")
    return get(tx.conn, sid)


def get(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    return dict(find(conn, ref))


def list_(conn: sqlite3.Connection, status: str | None) -> dict[str, Any]:
    if status:
        found = conn.execute(
            "SELECT * FROM sessions WHERE status = ? ORDER BY created_at, id", (status,)
        )
    else:
        found = conn.execute("SELECT * FROM sessions ORDER BY created_at, id")
    return {"sessions": [rows.session(r) for r in found]}


def end(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    tx.group.forget_queues()
    if row["status"] != "ended":
        tx.conn.execute(
            "UPDATE sessions SET status = 'ended', ended_at = ?, updated_at = ? WHERE id = ?",
            (tx.now, tx.now, row["id"]),
        )
        ended = tx.conn.execute(
            "UPDATE queues SET state = 'ended', updated_at = ? "
            "WHERE session_id = ? AND state IS NULL RETURNING id",
            (tx.now, row["id"]),
        ).fetchall()
        for (qid,) in ended:
            tx.emit("queue", "queue.ended", id=qid, session_id=row["id"], status="ended")
        tx.emit("session", "session.ended", id=row["id"], status="ended")
    return get(tx.conn, row["id"])


def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    tx.group.forget_queues()
    tx.flush_counts()
    tx.conn.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))
    tx.emit("session", "session.deleted", id=row["id"], status="deleted")
    return {"deleted": True}
