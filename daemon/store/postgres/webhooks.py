"""Webhooks and their delivery log: create, list, delete, redeliver; the deliverer's lease
on due deliveries (``FOR UPDATE SKIP LOCKED``: each attempt is made by one daemon) and the
record of each attempt. The outbox rows themselves are written by ``sparkq_webhook_outbox``
(schema 4) in the statement that commits their event."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import NotFound
from sparkq_daemon.ids import new_id
from sparkq_daemon.store.postgres import queues as queue_store
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.rows import iso, plain
from sparkq_daemon.store.postgres.settings import audit

_HOOK_COLUMNS = "id, url, events, queue_id, queue_name, created_at"
_DELIVERY_COLUMNS = (
    "id, webhook_id, event, status, attempts, last_status, last_error, next_attempt_at, "
    "delivered_at, created_at"
)
DUE = """
WITH t AS (
    SELECT seq FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
), u AS (
    UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
    FROM t WHERE d.seq = t.seq
    RETURNING d.id, d.webhook_id, d.event, d.payload, d.attempts
)
SELECT u.*, w.url, w.secret FROM u JOIN webhooks w ON w.id = u.webhook_id
"""
NEXT_DUE = (
    "SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 "
    "FROM webhook_deliveries WHERE status = 'pending'"
)
RECORD = """
UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, last_status = $4,
    last_error = $5,
    next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $6) END,
    delivered_at = CASE WHEN $3 = 'delivered' THEN now() END, updated_at = now()
WHERE id = $1 AND status = 'pending' AND attempts = $2
"""


def _hook(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": list(row["events"]) if row["events"] else ["*"],
        "queue_id": row["queue_id"],
        "queue": row["queue_name"],
        "created_at": iso(row["created_at"]),
    }


def _delivery(row: asyncpg.Record) -> dict[str, Any]:
    out = plain(row)
    if out["status"] != "pending":
        out["next_attempt_at"] = None
    return out


async def create(
    tx: Tx, url: str, events: list[str] | None, queue: str | None, secret: str
) -> dict[str, Any]:
    queue_row = await queue_store.find(tx.conn, queue) if queue is not None else None
    row = await tx.conn.fetchrow(
        "INSERT INTO webhooks (id, url, events, queue_id, queue_name, secret, created_at) "
        f"VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING {_HOOK_COLUMNS}",
        new_id("whk"),
        url,
        events,
        queue_row["id"] if queue_row else None,
        queue_row["name"] if queue_row else None,
        secret,
    )
    await audit(tx, "webhook.create", {"id": row["id"], "url": url})
    tx.emit("webhook", "webhook.created", id=row["id"])
    return _hook(row)


async def list_all(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    found = await conn.fetch(f"SELECT {_HOOK_COLUMNS} FROM webhooks ORDER BY created_at, id")
    return [_hook(row) for row in found]


async def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = await tx.conn.fetchrow(
        f"DELETE FROM webhooks WHERE id = $1 RETURNING {_HOOK_COLUMNS}", ref
    )
    if row is None:
        raise NotFound(f"webhook {ref!r} does not exist", id=ref)
    await audit(tx, "webhook.delete", {"id": ref, "url": row["url"]})
    tx.emit("webhook", "webhook.deleted", id=ref)
    return {**_hook(row), "deleted": True}


async def deliveries(
    conn: asyncpg.Connection, webhook: str | None, limit: int
) -> list[dict[str, Any]]:
    if webhook is not None:
        if not await conn.fetchval("SELECT true FROM webhooks WHERE id = $1", webhook):
            raise NotFound(f"webhook {webhook!r} does not exist", id=webhook)
        found = await conn.fetch(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 "
            "ORDER BY seq DESC LIMIT $2",
            webhook,
            limit,
        )
    else:
        found = await conn.fetch(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries ORDER BY seq DESC LIMIT $1",
            limit,
        )
    return [_delivery(row) for row in found]


async def redeliver(tx: Tx, delivery: str) -> dict[str, Any]:
    row = await tx.conn.fetchrow(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, "
        "next_attempt_at = now(), updated_at = now() "
        f"WHERE id = $1 RETURNING {_DELIVERY_COLUMNS}",
        delivery,
    )
    if row is None:
        raise NotFound(f"delivery {delivery!r} does not exist", id=delivery)
    tx.emit("webhook", "webhook.redelivered", id=delivery, webhook_id=row["webhook_id"])
    return _delivery(row)


async def due(
    conn: asyncpg.Connection, limit: int, lease: float
) -> tuple[list[dict[str, Any]], float | None]:
    taken = await conn.fetch(DUE, limit, lease)
    wait = await conn.fetchval(NEXT_DUE)
    return [dict(row) for row in taken], None if wait is None else max(0.0, wait)


async def record(
    conn: asyncpg.Connection,
    delivery: str,
    attempts: int,
    status_code: int | None,
    error: str | None,
    retry_in: float | None,
) -> None:
    status = "delivered" if error is None else "pending" if retry_in is not None else "failed"
    await conn.execute(
        RECORD, delivery, attempts, status, status_code, error, float(retry_in or 0.0)
    )


async def count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM webhooks")


async def purge(conn: asyncpg.Connection, older_than_s: float) -> int:
    done = await conn.execute(
        "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed') "
        "AND updated_at < now() - make_interval(secs => $1)",
        float(older_than_s),
    )
    return int(done.split()[-1])
