"""Webhooks and their delivery log: create, list, delete, redeliver; the deliverer's lease
on due deliveries and the record of each attempt."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from sparkq_daemon.clock import iso_from_unix
from sparkq_daemon.errors import NotFound
from sparkq_daemon.ids import new_id
from sparkq_daemon.store.sqlite import queues as queue_store
from sparkq_daemon.store.sqlite.due import unix
from sparkq_daemon.store.sqlite.settings import audit
from sparkq_daemon.store.sqlite.tx import Tx

_HOOK_COLUMNS = "id, url, events, queue_id, queue_name, created_at"
_DELIVERY_COLUMNS = (
    "id, webhook_id, event, status, attempts, last_status, last_error, next_attempt_at, "
    "delivered_at, created_at"
)


def _hook(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": orjson.loads(row["events"]) if row["events"] else ["*"],
        "queue_id": row["queue_id"],
        "queue": row["queue_name"],
        "created_at": row["created_at"],
    }


def _delivery(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    if out["status"] != "pending":
        out["next_attempt_at"] = None
    return out


def create(
    tx: Tx, url: str, events: list[str] | None, queue: str | None, secret: str
) -> dict[str, Any]:
    queue_row = queue_store.find(tx.conn, queue) if queue is not None else None
    hook_id = new_id("whk")
    tx.conn.execute(
        "INSERT INTO webhooks (id, url, events, queue_id, queue_name, secret, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            hook_id,
            url,
            orjson.dumps(events).decode() if events else None,
            queue_row["id"] if queue_row else None,
            queue_row["name"] if queue_row else None,
            secret,
            tx.now,
        ),
    )
    tx.catalog.webhooks = None
    audit(tx, "webhook.create", {"id": hook_id, "url": url})
    tx.emit("webhook", "webhook.created", id=hook_id)
    return get(tx.conn, hook_id)


def get(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {_HOOK_COLUMNS} FROM webhooks WHERE id = ?", (ref,)).fetchone()
    if row is None:
        raise NotFound(f"webhook {ref!r} does not exist", id=ref)
    return _hook(row)


def list_all(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    found = conn.execute(f"SELECT {_HOOK_COLUMNS} FROM webhooks ORDER BY created_at, id")
    return [_hook(row) for row in found]


def delete(tx: Tx, ref: str) -> dict[str, Any]:
    hook = get(tx.conn, ref)
    tx.conn.execute("DELETE FROM webhooks WHERE id = ?", (ref,))
    tx.catalog.webhooks = None
    audit(tx, "webhook.delete", {"id": ref, "url": hook["url"]})
    tx.emit("webhook", "webhook.deleted", id=ref)
    return {**hook, "deleted": True}


def deliveries(conn: sqlite3.Connection, webhook: str | None, limit: int) -> list[dict[str, Any]]:
    if webhook is not None:
        get(conn, webhook)
        found = conn.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? "
            "ORDER BY seq DESC LIMIT ?",
            (webhook, limit),
        )
    else:
        found = conn.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries ORDER BY seq DESC LIMIT ?",
            (limit,),
        )
    return [_delivery(row) for row in found]


def redeliver(tx: Tx, delivery: str) -> dict[str, Any]:
    updated = tx.conn.execute(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, "
        f"updated_at = ? WHERE id = ? RETURNING {_DELIVERY_COLUMNS}",
        (tx.now, tx.now, delivery),
    ).fetchone()
    if updated is None:
        raise NotFound(f"delivery {delivery!r} does not exist", id=delivery)
    tx.emit("webhook", "webhook.redelivered", id=delivery, webhook_id=updated["webhook_id"])
    return _delivery(updated)


def due(tx: Tx, limit: int, lease: float) -> tuple[list[dict[str, Any]], float | None]:
    taken = tx.conn.execute(
        "SELECT d.seq, d.id, d.webhook_id, d.event, d.payload, d.attempts, w.url, w.secret "
        "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
        "WHERE d.status = 'pending' AND d.next_attempt_at <= ? "
        "ORDER BY d.next_attempt_at LIMIT ?",
        (tx.now, limit),
    ).fetchall()
    if taken:
        until = iso_from_unix(tx.ts + lease)
        tx.conn.executemany(
            "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE seq = ?",
            [(until, row["seq"]) for row in taken],
        )
    following = tx.conn.execute(
        "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'"
    ).fetchone()[0]
    wait = None if following is None else max(0.0, unix(following) - tx.ts)
    out = [dict(row) for row in taken]
    for item in out:
        del item["seq"]
    return out, wait


def record(
    tx: Tx,
    delivery: str,
    attempts: int,
    status_code: int | None,
    error: str | None,
    retry_in: float | None,
) -> None:
    if error is None:
        status, following, delivered = "delivered", None, tx.now
    elif retry_in is not None:
        status, following, delivered = "pending", iso_from_unix(tx.ts + retry_in), None
    else:
        status, following, delivered = "failed", None, None
    tx.conn.execute(
        "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status = ?, "
        "last_error = ?, next_attempt_at = ?, delivered_at = ?, updated_at = ? "
        "WHERE id = ? AND status = 'pending' AND attempts = ?",
        (status, status_code, error, following, delivered, tx.now, delivery, attempts),
    )


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM webhooks").fetchone()[0]


def purge(tx: Tx, older_than_s: float) -> int:
    cutoff = iso_from_unix(tx.ts - older_than_s)
    return tx.conn.execute(
        "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND updated_at < ?",
        (cutoff,),
    ).rowcount
