"""The runners connected now (``worker.hello`` / ``worker.list``) on SQLite: one row per
connection, gone when it closes; the tasks each one runs are read from ``tasks``."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.clock import iso_from_unix
from sparkq_daemon.store.live import Hello, worker_event
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.tx import Tx

COLUMNS = "id, name, host, pid, queues, tools, concurrency, connected_at, last_seen_at"


def _worker(r: sqlite3.Row | tuple) -> dict[str, Any]:
    return {
        "id": r[0],
        "name": r[1],
        "host": r[2],
        "pid": r[3],
        "queues": rows.decode(r[4]),
        "tools": rows.decode(r[5]),
        "concurrency": r[6],
        "connected_at": r[7],
        "last_seen_at": r[8],
    }


def join(tx: Tx, hello: Hello) -> dict[str, Any]:
    """Add (or replace) the connection's row; ``worker.joined``."""
    row = tx.conn.execute(
        f"INSERT OR REPLACE INTO workers ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"RETURNING {COLUMNS}",
        (
            hello.id,
            hello.name,
            hello.host,
            hello.pid,
            rows.encode(list(hello.queues)),
            rows.encode(list(hello.tools)) if hello.tools is not None else None,
            hello.concurrency,
            tx.now,
            tx.now,
        ),
    ).fetchone()
    worker = {**_worker(row), "running": _running(tx.conn, [hello.name])[hello.name]}
    tx.events.append(worker_event("worker.joined", worker, tx.now))
    return worker


def seen(tx: Tx, worker_id: str, at: float) -> None:
    tx.conn.execute(
        "UPDATE workers SET last_seen_at = ? WHERE id = ?", (iso_from_unix(at), worker_id)
    )


def leave(tx: Tx, worker_id: str) -> None:
    """Remove the connection's row; ``worker.left`` when there was one."""
    row = tx.conn.execute(
        f"DELETE FROM workers WHERE id = ? RETURNING {COLUMNS}", (worker_id,)
    ).fetchone()
    if row is not None:
        tx.events.append(worker_event("worker.left", _worker(row), tx.now))


def forget_all(tx: Tx) -> None:
    """At start: rows left by a daemon that died are no connection of this one."""
    tx.conn.execute("DELETE FROM workers")


def _running(conn: sqlite3.Connection, names: list[str]) -> dict[str, list[str]]:
    """The ids of the tasks each worker name runs now."""
    found: dict[str, list[str]] = {name: [] for name in names}
    if not names:
        return found
    marks = ", ".join("?" * len(names))
    for worker, task_id in conn.execute(
        f"SELECT worker, id FROM tasks WHERE status = 'running' AND worker IN ({marks}) "
        "ORDER BY seq",
        names,
    ):
        found[worker].append(task_id)
    return found


def list_(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every connected worker, oldest connection first, with the tasks it runs."""
    workers = [
        _worker(r) for r in conn.execute(f"SELECT {COLUMNS} FROM workers ORDER BY connected_at, id")
    ]
    running = _running(conn, sorted({w["name"] for w in workers}))
    for w in workers:
        w["running"] = running[w["name"]]
    return workers
