"""Agent roles: ``{key, label, description, prompt, active}``."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.sqlite.tx import Tx


def _role(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "key": row["key"],
        "label": row["label"],
        "description": row["description"],
        "prompt": row["prompt"],
        "active": bool(row["active"]),
        "updated_at": row["updated_at"],
    }


def list_(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [_role(r) for r in conn.execute("SELECT * FROM roles ORDER BY key")]


def get(conn: sqlite3.Connection, key: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM roles WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise NotFound(f"role {key!r} does not exist", id=key)
    return _role(row)


def upsert(
    tx: Tx, key: str, label: str, description: str, prompt: str, active: bool
) -> dict[str, Any]:
    tx.conn.execute(
        "INSERT INTO roles (key, label, description, prompt, active, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET label = excluded.label, "
        "description = excluded.description, prompt = excluded.prompt, "
        "active = excluded.active, updated_at = excluded.updated_at",
        (key, label, description, prompt, int(active), tx.now),
    )
    tx.emit("catalog", "role.upserted", key=key)
    return get(tx.conn, key)


def delete(tx: Tx, key: str) -> dict[str, Any]:
    get(tx.conn, key)
    users = [r["name"] for r in tx.conn.execute("SELECT name FROM queues WHERE role = ?", (key,))]
    if users:
        raise Conflict(f"role {key!r} is named by queues: {', '.join(sorted(users))}", id=key)
    tx.conn.execute("DELETE FROM roles WHERE key = ?", (key,))
    tx.emit("catalog", "role.deleted", key=key)
    return {"deleted": True}
