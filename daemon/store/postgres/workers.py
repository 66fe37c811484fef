"""The runners connected now (``worker.hello`` / ``worker.list``) on PostgreSQL: one row per
connection with the id of the daemon that holds it, so every daemon lists the workers of
all; a row goes when its connection closes, or with its daemon's row (a clean stop, or the
leader removing a daemon that stopped beating)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from sparkq_daemon.store.live import Hello, worker_event
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Tx

COLUMNS = "id, name, host, pid, queues, tools, concurrency, connected_at, last_seen_at"


def _worker(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "host": r["host"],
        "pid": r["pid"],
        "queues": rows.decode(r["queues"]),
        "tools": rows.decode(r["tools"]),
        "concurrency": r["concurrency"],
        "connected_at": rows.iso(r["connected_at"]),
        "last_seen_at": rows.iso(r["last_seen_at"]),
    }


async def join(tx: Tx, daemon_id: str, hello: Hello) -> dict[str, Any]:
    """Add (or replace) the connection's row; ``worker.joined``."""
    row = await tx.conn.fetchrow(
        f"INSERT INTO workers (daemon_id, {COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now()) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, host = excluded.host, "
        "pid = excluded.pid, queues = excluded.queues, tools = excluded.tools, "
        "concurrency = excluded.concurrency, last_seen_at = now() "
        f"RETURNING {COLUMNS}",
        daemon_id,
        hello.id,
        hello.name,
        hello.host,
        hello.pid,
        rows.encode(list(hello.queues)),
        rows.encode(list(hello.tools)) if hello.tools is not None else None,
        hello.concurrency,
    )
    worker = {**_worker(row), "running": (await _running(tx.conn, [hello.name]))[hello.name]}
    tx.events.append(worker_event("worker.joined", worker, tx.now))
    return worker


async def seen(conn: asyncpg.Connection, worker_id: str, at: float) -> None:
    await conn.execute(
        "UPDATE workers SET last_seen_at = $2 WHERE id = $1",
        worker_id,
        datetime.fromtimestamp(at, UTC),
    )


async def leave(tx: Tx, worker_id: str) -> None:
    """Remove the connection's row; ``worker.left`` when there was one."""
    row = await tx.conn.fetchrow(
        f"DELETE FROM workers WHERE id = $1 RETURNING {COLUMNS}", worker_id
    )
    if row is not None:
        tx.events.append(worker_event("worker.left", _worker(row), tx.now))


async def _running(conn: asyncpg.Connection, names: list[str]) -> dict[str, list[str]]:
    """The ids of the tasks each worker name runs now."""
    found: dict[str, list[str]] = {name: [] for name in names}
    for r in await conn.fetch(
        "SELECT worker, id FROM tasks WHERE status = 'running' AND worker = ANY($1::text[]) "
        "ORDER BY seq",
        names,
    ):
        found[r["worker"]].append(r["id"])
    return found


async def list_(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every connected worker of every daemon, oldest connection first, with its tasks."""
    workers = [
        _worker(r)
        for r in await conn.fetch(f"SELECT {COLUMNS} FROM workers ORDER BY connected_at, id")
    ]
    running = await _running(conn, sorted({w["name"] for w in workers}))
    for w in workers:
        w["running"] = running[w["name"]]
    return workers
