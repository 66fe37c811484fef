"""Access tokens of the TCP listener: name, scope and the SHA-256 digest of the secret."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.sqlite.settings import audit
from sparkq_daemon.store.sqlite.tx import Tx


def _public(row: sqlite3.Row) -> dict[str, Any]:
    return {"name": row["name"], "scope": row["scope"], "created_at": row["created_at"]}


def create(tx: Tx, name: str, scope: str, digest: str) -> dict[str, Any]:
    if tx.conn.execute("SELECT 1 FROM tokens WHERE name = ?", (name,)).fetchone():
        raise Conflict(f"a token named {name!r} already exists", field="name")
    tx.conn.execute(
        "INSERT INTO tokens (name, scope, digest, created_at) VALUES (?, ?, ?, ?)",
        (name, scope, digest, tx.now),
    )
    audit(tx, "token.create", {"name": name, "scope": scope})
    return {"name": name, "scope": scope, "created_at": tx.now}


def list_all(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    found = conn.execute("SELECT name, scope, created_at FROM tokens ORDER BY name")
    return [_public(row) for row in found]


def revoke(tx: Tx, name: str) -> dict[str, Any]:
    row = tx.conn.execute(
        "SELECT name, scope, created_at FROM tokens WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        raise NotFound(f"token {name!r} does not exist", id=name)
    tx.conn.execute("DELETE FROM tokens WHERE name = ?", (name,))
    audit(tx, "token.revoke", {"name": name})
    return {**_public(row), "revoked": True}


def find(conn: sqlite3.Connection, digest: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT name, scope, digest FROM tokens WHERE digest = ?", (digest,)
    ).fetchone()
    return dict(row) if row else None
