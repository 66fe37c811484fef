"""Live settings (config.get / config.set) and the audit log."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.tx import Tx


def seed(tx: Tx, defaults: dict[str, dict[str, Any]]) -> None:
    """Store the file's values for keys the database does not hold yet."""
    tx.conn.executemany(
        "INSERT OR IGNORE INTO settings (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)",
        [
            (ns, key, rows.encode(value), tx.now)
            for ns, keys in defaults.items()
            for key, value in keys.items()
        ],
    )


def load(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in conn.execute("SELECT namespace, key, value FROM settings ORDER BY namespace, key"):
        out.setdefault(row["namespace"], {})[row["key"]] = rows.decode(row["value"])
    return out


def set_value(tx: Tx, namespace: str, key: str, value: Any) -> dict[str, Any]:
    old = tx.conn.execute(
        "SELECT value FROM settings WHERE namespace = ? AND key = ?", (namespace, key)
    ).fetchone()
    tx.conn.execute(
        "INSERT INTO settings (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        (namespace, key, rows.encode(value), tx.now),
    )
    audit(
        tx,
        "config.set",
        {
            "namespace": namespace,
            "key": key,
            "old": rows.decode(old[0]) if old else None,
            "value": value,
        },
    )
    return {"namespace": namespace, "key": key, "value": value}


def audit(tx: Tx, action: str, detail: dict[str, Any]) -> None:
    tx.conn.execute(
        "INSERT INTO audit (at, action, detail) VALUES (?, ?, ?)",
        (tx.now, action, rows.encode(detail)),
    )


def list_audit(conn: sqlite3.Connection, limit: int) -> dict[str, Any]:
    found = conn.execute(
        "SELECT id, at, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
    )
    return {
        "entries": [
            {
                "id": r["id"],
                "at": r["at"],
                "action": r["action"],
                "detail": rows.decode(r["detail"]),
            }
            for r in found
        ]
    }
