"""Access tokens of the TCP listener: name, scope and the SHA-256 digest of the secret."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.rows import iso
from sparkq_daemon.store.postgres.settings import audit


def _public(row: asyncpg.Record) -> dict[str, Any]:
    return {"name": row["name"], "scope": row["scope"], "created_at": iso(row["created_at"])}


async def create(tx: Tx, name: str, scope: str, digest: str) -> dict[str, Any]:
    row = await tx.conn.fetchrow(
        "INSERT INTO tokens (name, scope, digest, created_at) VALUES ($1, $2, $3, now()) "
        "ON CONFLICT (name) DO NOTHING RETURNING name, scope, created_at",
        name,
        scope,
        digest,
    )
    if row is None:
        raise Conflict(f"a token named {name!r} already exists", field="name")
    await audit(tx, "token.create", {"name": name, "scope": scope})
    return _public(row)


async def list_all(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    found = await conn.fetch("SELECT name, scope, created_at FROM tokens ORDER BY name")
    return [_public(row) for row in found]


async def revoke(tx: Tx, name: str) -> dict[str, Any]:
    row = await tx.conn.fetchrow(
        "DELETE FROM tokens WHERE name = $1 RETURNING name, scope, created_at", name
    )
    if row is None:
        raise NotFound(f"token {name!r} does not exist", id=name)
    await audit(tx, "token.revoke", {"name": name})
    return {**_public(row), "revoked": True}


async def find(conn: asyncpg.Connection, digest: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT name, scope, digest FROM tokens WHERE digest = $1", digest)
    return dict(row) if row else None
