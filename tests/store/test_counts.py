"""Counts equal rows: after any mix of operations, every queue's ``counts`` and ``stats()``
equal a recount of the tasks themselves."""

from __future__ import annotations

import asyncio
import contextlib
import random

from sparkq_daemon.errors import RpcError
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams, Store
from tests.store.helpers import STATUSES, all_tasks, assert_counts_equal_rows

QUEUES = ("a", "b", "c")


async def random_operation(store: Store, rng: random.Random, worker: str) -> None:
    """One operation chosen by ``rng``; refusals (a task gone meanwhile …) are part of the mix."""
    queue = rng.choice(QUEUES)
    roll = rng.random()
    known = [t["id"] for t in await all_tasks(store)] or ["Q-0001"]
    ref = rng.choice(known)
    if roll < 0.3:
        items = [EnqueueItem("run-bash", priority=rng.randint(0, 2))] * rng.randint(1, 4)
        if rng.random() < 0.1:
            items = [*items, EnqueueItem("no-such-tool")]  # a refused batch
        await store.task_enqueue(queue, items)
    elif roll < 0.5:
        await store.task_claim(ClaimParams(queue=rng.choice([queue, None]), worker=worker))
    elif roll < 0.65:
        status = rng.choice(["succeeded", "failed"])
        await store.task_finish(FinishParams(ref=ref, status=status, error="x"))
    elif roll < 0.75:
        await store.task_requeue(ref)
    elif roll < 0.82:
        await store.task_delete(ref)
    elif roll < 0.87:
        await store.task_rerun(ref)
    elif roll < 0.92:
        await store.task_update(ref, {"priority": rng.randint(0, 5)})
    elif roll < 0.96:
        await store.queue_set_paused(queue, rng.random() < 0.5)
    else:
        await store.purge(0)


async def test_counts_equal_rows_after_a_random_concurrent_mix(store: Store) -> None:
    await store.session_create("s", None)
    for name in (*QUEUES, "doomed"):
        await store.queue_create(name, "s", None)
    await store.task_enqueue("doomed", [EnqueueItem("run-bash")] * 5)

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(25):
            with contextlib.suppress(RpcError):
                await random_operation(store, rng, f"w{seed}")

    await asyncio.gather(*(worker(seed) for seed in range(4)))
    await assert_counts_equal_rows(store)
    await store.queue_delete("doomed")
    await assert_counts_equal_rows(store)
    await store.session_delete("s")
    await assert_counts_equal_rows(store)
    assert (await store.stats())["tasks"] == dict.fromkeys(STATUSES, 0)
