"""``task_finish_and_claim``: a report and the next claim in one commit (``claim_next``)."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store
from tests.store.helpers import assert_counts_equal_rows, enqueue


async def test_finishes_and_claims_the_next_for_the_same_worker(store: Store, queue: Queue) -> None:
    first, second = await enqueue(store, "q", 2)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    done, following, refused = await store.task_finish_and_claim(
        FinishParams(ref=first["id"], status="succeeded", worker="w"),
        ClaimParams(queue="q", worker="w"),
    )
    assert (done["id"], done["status"]) == (first["id"], "succeeded")
    assert following is not None and following["id"] == second["id"]
    assert (following["status"], following["worker"]) == ("running", "w")
    assert refused is None
    await assert_counts_equal_rows(store)


async def test_nothing_left_gives_none(store: Store, queue: Queue) -> None:
    [only] = await enqueue(store, "q", 1)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    done, following, refused = await store.task_finish_and_claim(
        FinishParams(ref=only["id"], status="failed", error="x", worker="w"),
        ClaimParams(queue="q", worker="w"),
    )
    assert done["status"] == "failed" and following is None and refused is None


async def test_a_refused_finish_claims_nothing(store: Store, queue: Queue) -> None:
    first, _ = await enqueue(store, "q", 2)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    with pytest.raises(Conflict):
        await store.task_finish_and_claim(
            FinishParams(ref=first["id"], status="succeeded", worker="intruder"),
            ClaimParams(queue="q", worker="intruder"),
        )
    counts = (await store.queue_get("q"))["counts"]
    assert (counts["running"], counts["queued"]) == (1, 1)


async def test_a_refused_claim_keeps_the_finish(store: Store, queue: Queue) -> None:
    [only] = await enqueue(store, "q", 1)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    done, following, refused = await store.task_finish_and_claim(
        FinishParams(ref=only["id"], status="succeeded", worker="w"),
        ClaimParams(queue="no-such-queue", worker="w"),
    )
    assert done["status"] == "succeeded" and following is None
    assert isinstance(refused, NotFound) and "no-such-queue" in refused.message
    assert (await store.task_get(only["id"]))["status"] == "succeeded"


async def test_with_wait_the_next_task_may_come_later(store: Store, queue: Queue) -> None:
    [only] = await enqueue(store, "q", 1)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    call = asyncio.ensure_future(
        store.task_finish_and_claim(
            FinishParams(ref=only["id"], status="succeeded", worker="w"),
            ClaimParams(queue="q", worker="w", wait=10),
        )
    )
    for _ in range(500):  # bounded: the finish commits before anything is enqueued
        if (await store.task_get(only["id"]))["status"] == "succeeded":
            break
        await asyncio.sleep(0.01)
    assert (await store.task_get(only["id"]))["status"] == "succeeded"
    assert not call.done()
    [later] = await enqueue(store, "q", 1)
    _, following, _ = await asyncio.wait_for(call, 5)
    assert following is not None and following["id"] == later["id"]
