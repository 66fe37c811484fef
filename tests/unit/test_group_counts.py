"""Per-queue counts kept by the writer, once per group commit, stay exact when operations
that move and delete the same tasks share one group (including refused ones)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.errors import NotFound
from sparkq_daemon.store.base import EnqueueItem
from sparkq_daemon.store.sqlite import catalog, queues, rows, sessions, tasks
from sparkq_daemon.store.sqlite.database import Database

ITEM = EnqueueItem(tool="run-bash")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "counts.db")
    await database.open()
    await database.write(catalog.seed, DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    database.catalog = await database.read(catalog.load)
    await database.write(sessions.create, "s", "")
    yield database
    await database.close()


async def counted_and_real(db: Database) -> tuple[dict, dict]:
    def read(conn):
        counted = {
            (q, s): n
            for q, s, n in conn.execute("SELECT queue_id, status, n FROM queue_counts")
            if n
        }
        real = {
            (q, s): n
            for q, s, n in conn.execute(
                "SELECT queue_id, status, COUNT(*) FROM tasks GROUP BY queue_id, status"
            )
        }
        return counted, real

    return await db.read(read)


async def test_enqueue_then_delete_in_one_group_of_a_new_queue(db: Database) -> None:
    queue = await db.write(queues.create, "fresh", "s", "")
    prefix = queue["name"].upper()
    enqueued, deleted = await asyncio.gather(
        db.write(tasks.enqueue, "fresh", [ITEM, ITEM]),
        db.write(tasks.delete, f"{prefix}-0001"),
    )
    assert deleted == {"deleted": True}
    assert len(enqueued) == 2
    counted, real = await counted_and_real(db)
    assert counted == real == {(queue["id"], "queued"): 1}


async def test_claim_then_delete_in_one_group(db: Database) -> None:
    queue = await db.write(queues.create, "q", "s", "")
    first = (await db.write(tasks.enqueue, "q", [ITEM]))[0]
    claimed, deleted = await asyncio.gather(
        db.write(tasks.claim, "q", None, "w"), db.write(tasks.delete, first["id"])
    )
    assert claimed["id"] == first["id"]
    assert deleted == {"deleted": True}
    counted, real = await counted_and_real(db)
    assert counted == real == {}
    assert (await db.read(queues.get, queue["id"]))["counts"]["running"] == 0


async def test_queue_deleted_after_enqueues_in_the_same_group(db: Database) -> None:
    await db.write(queues.create, "doomed", "s", "")
    results = await asyncio.gather(
        db.write(tasks.enqueue, "doomed", [ITEM] * 3),
        db.write(queues.delete, "doomed"),
        return_exceptions=True,
    )
    assert results[1] == {"deleted": True}
    counted, real = await counted_and_real(db)
    assert counted == real == {}


async def test_a_refused_operation_keeps_its_neighbours_counts(db: Database) -> None:
    queue = await db.write(queues.create, "q", "s", "")
    results = await asyncio.gather(
        db.write(tasks.enqueue, "q", [ITEM] * 2),
        db.write(tasks.claim, None, "tsk_ffffff000000", "w"),
        db.write(tasks.enqueue, "q", [ITEM] * 3),
        db.write(tasks.claim, "q", None, "w"),
        return_exceptions=True,
    )
    assert isinstance(results[1], NotFound)
    assert results[3]["status"] == "running"
    counted, real = await counted_and_real(db)
    assert counted == real == {(queue["id"], "queued"): 4, (queue["id"], "running"): 1}
    shown = (await db.read(queues.get, "q"))["counts"]
    assert shown == {**dict.fromkeys(rows.TASK_STATUSES, 0), "queued": 4, "running": 1}
