"""Agent roles: ``{key, label, description, prompt, active}``."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Tx


def _role(record: asyncpg.Record) -> dict[str, Any]:
    return rows.plain(record)


async def list_(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [_role(r) for r in await conn.fetch("SELECT * FROM roles ORDER BY key")]


async def get(conn: asyncpg.Connection, key: str) -> dict[str, Any]:
    row = await conn.fetchrow("SELECT * FROM roles WHERE key = $1", key)
    if row is None:
        raise NotFound(f"role {key!r} does not exist", id=key)
    return _role(row)


async def upsert(
    tx: Tx, key: str, label: str, description: str, prompt: str, active: bool
) -> dict[str, Any]:
    row = await tx.conn.fetchrow(
        "INSERT INTO roles (key, label, description, prompt, active, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (key) DO UPDATE SET "
        "label = excluded.label, description = excluded.description, prompt = excluded.prompt, "
        "active = excluded.active, updated_at = excluded.updated_at RETURNING *",
        key,
        label,
        description,
        prompt,
        active,
    )
    tx.emit("catalog", "role.upserted", key=key)
    return _role(row)


async def delete(tx: Tx, key: str) -> dict[str, Any]:
    await get(tx.conn, key)
    users = [r["name"] for r in await tx.conn.fetch("SELECT name FROM queues WHERE role = $1", key)]
    if users:
        raise Conflict(f"role {key!r} is named by queues: {', '.join(sorted(users))}", id=key)
    await tx.conn.execute("DELETE FROM roles WHERE key = $1", key)
    tx.emit("catalog", "role.deleted", key=key)
    return {"deleted": True}
