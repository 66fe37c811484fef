"""Per-queue counts stay equal to the rows under a mixed concurrent workload spread over two
daemons, before and after the leader folds the count changes."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest

from sparkq_tui.client import AsyncClient

pytestmark = pytest.mark.timeout(120)
from tests.integration.statuses import STATUSES  # noqa: E402


async def test_counts_match_the_rows_after_a_mixed_workload_on_two_daemons(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    async with AsyncClient(a.socket) as setup:
        await setup.call("session.create", name="s")
        for name in ("a", "b", "c", "doomed"):
            await setup.call("queue.create", name=name, session="s")

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        async with AsyncClient((a, b)[seed % 2].socket) as c:
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

    await asyncio.gather(*(worker(i) for i in range(8)))
    async with AsyncClient(b.socket) as c:
        await c.call("purge.run", older_than_days=0)
        await c.call("queue.delete", queue="doomed")
        reported = {
            name: (await c.call("queue.get", queue=name))["counts"] for name in ("a", "b", "c")
        }
    conn = await asyncpg.connect(pg_daemons.url)
    try:
        names = {r["id"]: r["name"] for r in await conn.fetch("SELECT id, name FROM queues")}
        real = {name: dict.fromkeys(STATUSES, 0) for name in names.values()}
        for r in await conn.fetch(
            "SELECT queue_id, status, COUNT(*) AS n FROM tasks GROUP BY queue_id, status"
        ):
            real[names[r["queue_id"]]][r["status"]] = r["n"]
        assert sum(sum(c.values()) for c in real.values()) > 0
        assert reported == real
        # The leader folds the changes into the per-queue base: nothing lost or doubled.
        deadline = asyncio.get_running_loop().time() + 10
        while await conn.fetchval("SELECT COUNT(*) FROM count_deltas"):
            assert asyncio.get_running_loop().time() < deadline, "the deltas were not folded"
            await asyncio.sleep(0.1)
        folded = {name: dict.fromkeys(STATUSES, 0) for name in names.values()}
        for r in await conn.fetch("SELECT queue_id, status, n FROM queue_counts"):
            folded[names[r["queue_id"]]][r["status"]] = r["n"]
        assert folded == real
    finally:
        await conn.close()
