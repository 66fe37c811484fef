"""Live settings (config.get / config.set) and the audit log."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Tx


async def seed(tx: Tx, defaults: dict[str, dict[str, Any]]) -> None:
    """Store the file's values for keys the database does not hold yet."""
    entries = [
        (ns, key, rows.encode(value))
        for ns, keys in defaults.items()
        for key, value in keys.items()
    ]
    if entries:
        await tx.conn.execute(
            "INSERT INTO settings (namespace, key, value, updated_at) "
            "SELECT ns, k, v, now() FROM unnest($1::text[], $2::text[], $3::text[]) AS e(ns, k, v) "
            "ON CONFLICT (namespace, key) DO NOTHING",
            [e[0] for e in entries],
            [e[1] for e in entries],
            [e[2] for e in entries],
        )


async def load(conn: asyncpg.Connection) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in await conn.fetch(
        "SELECT namespace, key, value FROM settings ORDER BY namespace, key"
    ):
        out.setdefault(row["namespace"], {})[row["key"]] = rows.decode(row["value"])
    return out


async def set_value(tx: Tx, namespace: str, key: str, value: Any) -> dict[str, Any]:
    old = await tx.conn.fetchval(
        "SELECT value FROM settings WHERE namespace = $1 AND key = $2 FOR UPDATE", namespace, key
    )
    await tx.conn.execute(
        "INSERT INTO settings (namespace, key, value, updated_at) VALUES ($1, $2, $3, now()) "
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        namespace,
        key,
        rows.encode(value),
    )
    await audit(
        tx,
        "config.set",
        {
            "namespace": namespace,
            "key": key,
            "old": rows.decode(old) if old is not None else None,
            "value": value,
        },
    )
    return {"namespace": namespace, "key": key, "value": value}


async def audit(tx: Tx, action: str, detail: dict[str, Any]) -> None:
    await tx.conn.execute(
        "INSERT INTO audit (at, action, detail) VALUES (now(), $1, $2)",
        action,
        rows.encode(detail),
    )


async def list_audit(conn: asyncpg.Connection, limit: int) -> list[dict[str, Any]]:
    found = await conn.fetch(
        "SELECT id, at, action, detail FROM audit ORDER BY id DESC LIMIT $1", limit
    )
    return [
        {
            "id": r["id"],
            "at": rows.iso(r["at"]),
            "action": r["action"],
            "detail": rows.decode(r["detail"]),
        }
        for r in found
    ]
