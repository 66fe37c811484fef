"""Queues: create, list, get, update, state changes (end, archive, pause …), delete."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.ids import friendly_prefix, new_id
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite import sessions as session_store
from sparkq_daemon.store.sqlite.tx import Tx


def find(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """The queue with this id or name, or NotFound naming it."""
    row = conn.execute(
        "SELECT * FROM queues WHERE id = ? UNION ALL SELECT * FROM queues WHERE name = ? LIMIT 1",
        (ref, ref),
    ).fetchone()
    if row is None:
        raise NotFound(f"queue {ref!r} does not exist", id=ref)
    return row


def cached(tx: Tx, ref: str) -> sqlite3.Row:
    """``find`` through the group's cache: a burst of enqueues reads the queue once."""
    row = tx.group.queues.get(ref)
    if row is None:
        row = find(tx.conn, ref)
        tx.group.queues[ref] = tx.group.queues[row["id"]] = row
    return row


def get(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    return rows.queue(conn, find(conn, ref))


def _unique_prefix(conn: sqlite3.Connection, name: str) -> str:
    base = friendly_prefix(name)
    prefix, n = base, 1
    while conn.execute("SELECT 1 FROM queues WHERE prefix = ?", (prefix,)).fetchone():
        n += 1
        prefix = f"{base}{n}"
    return prefix


def create(
    tx: Tx,
    name: str,
    session: str,
    instructions: str,
    role: str | None = None,
    model_profile: str | None = None,
) -> dict[str, Any]:
    owner = session_store.find(tx.conn, session)
    if owner["status"] == "ended":
        raise Conflict(f"session {owner['name']!r} has ended; no queue can be added to it")
    if tx.conn.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone():
        raise Conflict(f"a queue named {name!r} already exists", field="name")
    qid = new_id("que")
    tx.conn.execute(
        "INSERT INTO queues (id, session_id, name, prefix, instructions, created_at, updated_at, "
        "role, model_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            qid,
            owner["id"],
            name,
            _unique_prefix(tx.conn, name),
            instructions,
            tx.now,
            tx.now,
            role or None,
            model_profile or None,
        ),
    )
    queue = get(tx.conn, qid)
    tx.emit("queue", "queue.created", id=qid, session_id=owner["id"], status=queue["status"])
    return queue


def list_(
    conn: sqlite3.Connection, session: str | None, status: str | None, include_archived: bool
) -> dict[str, Any]:
    if session:
        found = conn.execute(
            "SELECT * FROM queues WHERE session_id = ? ORDER BY created_at, id",
            (session_store.find(conn, session)["id"],),
        )
    else:
        found = conn.execute("SELECT * FROM queues ORDER BY created_at, id")
    out = []
    for row in found.fetchall():
        queue = rows.queue(conn, row)
        if queue["status"] == "archived" and not include_archived and status != "archived":
            continue
        if status and queue["status"] != status:
            continue
        out.append(queue)
    return {"queues": out}


def update(
    tx: Tx,
    ref: str,
    name: str | None,
    instructions: str | None,
    role: str | None = None,
    model_profile: str | None = None,
) -> dict[str, Any]:
    """Change what is given (None keeps it; ``role`` or ``model_profile`` "" clears it)."""
    row = find(tx.conn, ref)
    tx.group.forget_queues()
    if name is not None and name != row["name"]:
        if tx.conn.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone():
            raise Conflict(f"a queue named {name!r} already exists", field="name")
        tx.conn.execute("UPDATE queues SET name = ? WHERE id = ?", (name, row["id"]))
    if instructions is not None:
        tx.conn.execute(
            "UPDATE queues SET instructions = ? WHERE id = ?", (instructions, row["id"])
        )
    for column, value in (("role", role), ("model_profile", model_profile)):
        if value is not None:
            tx.conn.execute(
                f"UPDATE queues SET {column} = ? WHERE id = ?", (value or None, row["id"])
            )
    return _touch(tx, row, "queue.updated")


def touch(tx: Tx, ref: str, event: str) -> dict[str, Any]:
    """The queue after a change made by another module, publishing ``event``."""
    return _touch(tx, find(tx.conn, ref), event)


def _touch(tx: Tx, row: sqlite3.Row, event: str) -> dict[str, Any]:
    tx.conn.execute("UPDATE queues SET updated_at = ? WHERE id = ?", (tx.now, row["id"]))
    tx.flush_counts()  # the queue object carries counts: make them current
    queue = get(tx.conn, row["id"])
    tx.emit("queue", event, id=row["id"], session_id=row["session_id"], status=queue["status"])
    return queue


def set_state(tx: Tx, ref: str, state: str | None, event: str) -> dict[str, Any]:
    """end (state 'ended'), archive ('archived') and unarchive (None)."""
    row = find(tx.conn, ref)
    tx.group.forget_queues()
    if event == "queue.unarchived" and row["state"] != "archived":
        raise Conflict(f"queue {row['name']!r} is not archived")
    tx.conn.execute("UPDATE queues SET state = ? WHERE id = ?", (state, row["id"]))
    return _touch(tx, row, event)


def set_paused(tx: Tx, ref: str, paused: bool) -> dict[str, Any]:
    """pause and resume: only a queue that is not ended or archived."""
    row = find(tx.conn, ref)
    if row["state"] is not None:
        verb = "paused" if paused else "resumed"
        hint = ": unarchive it first" if row["state"] == "archived" else ""
        raise Conflict(
            f"queue {row['name']!r} is {row['state']}: only an open queue can be {verb}{hint}",
            id=row["id"],
            status=row["state"],
        )
    tx.group.forget_queues()
    tx.conn.execute("UPDATE queues SET paused = ? WHERE id = ?", (int(paused), row["id"]))
    return _touch(tx, row, "queue.paused" if paused else "queue.resumed")


def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    tx.group.forget_queues()
    tx.flush_counts()
    tx.conn.execute("DELETE FROM queues WHERE id = ?", (row["id"],))
    tx.emit("queue", "queue.deleted", id=row["id"], session_id=row["session_id"], status="deleted")
    return {"deleted": True}
