"""Sessions: create, list, get, end, delete."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.ids import new_id
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Tx


async def find(conn: asyncpg.Connection, ref: str, lock: bool = False) -> asyncpg.Record:
    """The session with this id or name, or NotFound naming it."""
    row = await conn.fetchrow(
        "SELECT * FROM sessions WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1"
        + (" FOR UPDATE" if lock else ""),
        ref,
    )
    if row is None:
        raise NotFound(f"session {ref!r} does not exist", id=ref)
    return row


async def create(tx: Tx, name: str, description: str) -> dict[str, Any]:
    if await tx.conn.fetchval("SELECT 1 FROM sessions WHERE name = $1", name):
        raise Conflict(f"a session named {name!r} already exists", field="name")
    sid = new_id("ses")
    try:
        row = await tx.conn.fetchrow(
            "INSERT INTO sessions (id, name, description, status, created_at, updated_at) "
            "VALUES ($1, $2, $3, 'active', now(), now()) RETURNING *",
            sid,
            name,
            description,
        )
    except asyncpg.UniqueViolationError:
        raise Conflict(f"a session named {name!r} already exists", field="name") from None
    tx.emit("session", "session.created", id=sid, status="active")
    return rows.session(row)


async def get(conn: asyncpg.Connection, ref: str) -> dict[str, Any]:
    return rows.session(await find(conn, ref))


async def list_(conn: asyncpg.Connection, status: str | None) -> list[dict[str, Any]]:
    if status:
        found = await conn.fetch(
            "SELECT * FROM sessions WHERE status = $1 ORDER BY created_at, id", status
        )
    else:
        found = await conn.fetch("SELECT * FROM sessions ORDER BY created_at, id")
    return [rows.session(r) for r in found]


async def end(tx: Tx, ref: str) -> dict[str, Any]:
    row = await find(tx.conn, ref, lock=True)
    if row["status"] != "ended":
        await tx.conn.execute(
            "UPDATE sessions SET status = 'ended', ended_at = now(), updated_at = now() "
            "WHERE id = $1",
            row["id"],
        )
        ended = await tx.conn.fetch(
            "UPDATE queues SET state = 'ended', updated_at = now() "
            "WHERE session_id = $1 AND state IS NULL RETURNING id, created_at",
            row["id"],
        )
        for r in sorted(ended, key=lambda r: (r["created_at"], r["id"])):  # creation order
            tx.emit("queue", "queue.ended", id=r["id"], session_id=row["id"], status="ended")
        tx.emit("session", "session.ended", id=row["id"], status="ended")
    return await get(tx.conn, row["id"])


async def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = await find(tx.conn, ref)
    queue_ids = [
        r["id"]
        for r in await tx.conn.fetch("SELECT id FROM queues WHERE session_id = $1", row["id"])
    ]
    await tx.conn.execute("DELETE FROM count_deltas WHERE queue_id = ANY($1::text[])", queue_ids)
    await tx.conn.execute("DELETE FROM sessions WHERE id = $1", row["id"])
    for qid in queue_ids:
        await tx.conn.execute(f"DROP SEQUENCE IF EXISTS {number_sequence(qid)}")
    tx.emit("session", "session.deleted", id=row["id"], status="deleted")
    return {"deleted": True}


def number_sequence(queue_id: str) -> str:
    """The sequence handing out a queue's friendly-id numbers (``que_<hex>`` → ``qn_<hex>``)."""
    body = queue_id.removeprefix("que_")
    if not body.isalnum():
        raise ValueError(f"not a queue id: {queue_id!r}")
    return f"qn_{body}"
