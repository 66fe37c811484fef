"""Queue limits across two daemons on one database: the concurrency limit holds over both,
and a claim waiting on one daemon wakes when a task of the other ends."""

from __future__ import annotations

import asyncio
import time

import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.store.base import ClaimParams, FinishParams
from sparkq_daemon.store.postgres.store import PgStore
from tests.postgres.scenario import item

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def pair(fresh_pg_url: str):
    stores = [PgStore(fresh_pg_url), PgStore(fresh_pg_url)]
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()


async def test_concurrency_holds_over_two_daemons(pair) -> None:
    a, b = pair
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    await a.queue_set_limits("q", {"concurrency": 2})
    await a.task_enqueue("q", [item() for _ in range(30)])
    finished: list[str] = []

    async def runner(store: PgStore, name: str) -> None:
        while True:
            task = await store.task_claim(ClaimParams(queue="q", worker=name, wait=5))
            if task is None:
                continue
            await asyncio.sleep(0.005)
            await store.task_finish(FinishParams(ref=task["id"], status="succeeded"))
            finished.append(task["id"])

    runners = [asyncio.create_task(runner((a, b)[i % 2], f"w{i}")) for i in range(8)]
    samples: list[int] = []
    deadline = time.monotonic() + 30
    try:
        while len(finished) < 30:
            assert time.monotonic() < deadline, f"only {len(finished)} of 30 finished"
            samples.append((await b.queue_get("q"))["running"])
    finally:
        for r in runners:
            r.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
    assert sorted(set(finished)) == sorted(finished) and len(finished) == 30
    assert max(samples) == 2, f"running seen: max {max(samples)}"


async def test_a_task_ending_on_one_daemon_wakes_a_claim_waiting_on_the_other(pair) -> None:
    a, b = pair
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    await a.queue_set_limits("q", {"concurrency": 1})
    await a.task_enqueue("q", [item() for _ in range(2)])
    held = await a.task_claim(ClaimParams(queue="q", worker="a"))
    assert held is not None
    waiter = asyncio.create_task(b.task_claim(ClaimParams(queue="q", worker="b", wait=20)))
    deadline = time.monotonic() + 5
    while b.waiting.standing() == 0:
        assert time.monotonic() < deadline, "the claim on B never waited"
        await asyncio.sleep(0.01)
    started = time.monotonic()
    await a.task_finish(FinishParams(ref=held["id"], status="succeeded"))
    got = await asyncio.wait_for(waiter, 5)
    assert got is not None and got["worker"] == "b"
    assert time.monotonic() - started < 1.5  # the event, not the 2 s fallback poll
