"""The per-queue counters always equal the tasks that are really there."""

from __future__ import annotations

import asyncio
import random
import sqlite3

import pytest

from sparkq_tui.client import AsyncClient
from tests.daemon_process import DaemonProcess


@pytest.mark.sqlite_only
async def test_counters_match_the_rows_after_a_mixed_concurrent_workload(
    daemon: DaemonProcess,
) -> None:
    async with AsyncClient(daemon.socket) as setup:
        await setup.call("session.create", name="s")
        for name in ("a", "b", "c"):
            await setup.call("queue.create", name=name, session="s")
        await setup.call("queue.create", name="doomed", session="s")

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        async with AsyncClient(daemon.socket) as c:
            for _ in range(60):
                queue = rng.choice("abc")
                action = rng.random()
                try:
                    if action < 0.4:
                        await c.enqueue(queue, "run-bash", {"n": seed})
                    elif action < 0.5:
                        batch = [{"tool": "run-bash"}] * rng.randint(1, 5)
                        await c.call("task.enqueue_batch", queue=queue, tasks=batch)
                    elif action < 0.75:
                        task = await c.claim(queue, worker=f"w{seed}", wait=0.05)
                        if task and rng.random() < 0.5:
                            await c.complete(task["id"])
                        elif task and rng.random() < 0.5:
                            await c.fail(task["id"], "no")
                        elif task:
                            await c.call("task.requeue", id=task["id"])
                    elif action < 0.85:
                        page = await c.call("task.list", queue=queue, limit=5)
                        if page["tasks"]:
                            await c.call("task.delete", id=rng.choice(page["tasks"])["id"])
                    else:
                        await c.enqueue("doomed", "run-bash")
                except Exception as exc:  # conflicts between racing workers are expected
                    assert getattr(exc, "code", None) in (-32009, -32004), exc

    await asyncio.gather(*(worker(i) for i in range(6)))
    async with AsyncClient(daemon.socket) as c:
        await c.call("purge.run", older_than_days=0)
        await c.call("queue.delete", queue="doomed")
    daemon.stop()
    with sqlite3.connect(daemon.db) as conn:
        real = dict(
            ((q, s), n)
            for q, s, n in conn.execute(
                "SELECT queue_id, status, COUNT(*) FROM tasks GROUP BY queue_id, status"
            )
        )
        counted = {
            (q, s): n
            for q, s, n in conn.execute("SELECT queue_id, status, n FROM queue_counts")
            if n
        }
        orphans = conn.execute(
            "SELECT COUNT(*) FROM queue_counts WHERE queue_id NOT IN (SELECT id FROM queues)"
        ).fetchone()[0]
    assert real
    assert counted == real
    assert orphans == 0
