"""Store functions on a real SQLite file, without the server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sparkq_daemon import clock
from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import EnqueueItem, FinishParams
from sparkq_daemon.store.sqlite import (
    catalog,
    maintenance,
    queues,
    rows,
    sessions,
    task_lookup,
    tasks,
)
from sparkq_daemon.store.sqlite.schema import SCHEMA_VERSION, migrate
from sparkq_daemon.store.sqlite.tx import Catalog, Tx


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    c.row_factory = sqlite3.Row
    c.execute("PRAGMA foreign_keys = ON")
    migrate(c)
    return c


@pytest.fixture
def tx(conn: sqlite3.Connection) -> Tx:
    ts, now = clock.now()
    t = Tx(conn, ts, now, Catalog())
    catalog.seed(t, DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    sessions.create(t, "s", "")
    queues.create(t, "q", "s", "")
    return t


def test_migrate_is_idempotent(conn: sqlite3.Connection) -> None:
    assert migrate(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_counters_follow_every_transition(tx: Tx) -> None:
    items = [EnqueueItem(tool="run-bash") for _ in range(3)]
    made = tasks.enqueue(tx, "q", items)
    tasks.claim(tx, "q", None, "w")
    tasks.finish(tx, FinishParams(made[0]["id"], "succeeded"))
    tasks.delete(tx, made[1]["id"])
    counts = queues.get(tx.conn, "q")["counts"]
    assert counts == {**dict.fromkeys(rows.TASK_STATUSES, 0), "queued": 1, "succeeded": 1}
    real = dict(tx.conn.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status").fetchall())
    assert real == {"queued": 1, "succeeded": 1}


def test_claim_is_guarded(tx: Tx) -> None:
    made = tasks.enqueue(tx, "q", [EnqueueItem(tool="run-bash")])[0]
    assert tasks.claim(tx, None, made["id"], "a")["worker"] == "a"
    with pytest.raises(Conflict):
        tasks.claim(tx, None, made["id"], "b")
    assert tasks.claim(tx, "q", None, "b") is None


def test_sweep_warns_then_fails_by_heartbeat_age(tx: Tx) -> None:
    made = tasks.enqueue(tx, "q", [EnqueueItem(tool="run-bash", timeout=10)])[0]
    tasks.claim(tx, "q", None, "w")
    tx.ts += 11
    assert maintenance.sweep(tx) == {
        "failed": [],
        "retried": [],
        "warned": [made["friendly_id"]],
        "expired": [],
    }
    tx.ts += 10
    assert maintenance.sweep(tx)["failed"] == [made["friendly_id"]]
    assert task_lookup.get(tx.conn, made["id"])["error"] == maintenance.STALE_ERROR


def test_not_found_names_the_ref(tx: Tx) -> None:
    with pytest.raises(NotFound, match="ghost"):
        task_lookup.get(tx.conn, "ghost")
    with pytest.raises(NotFound, match="nobody"):
        queues.get(tx.conn, "nobody")
