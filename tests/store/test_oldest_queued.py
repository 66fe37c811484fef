"""``oldest_queued``: per queue, when its longest-waiting queued task was enqueued."""

from __future__ import annotations

from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import enqueue


async def test_each_queue_with_queued_tasks_reports_its_oldest(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    assert await store.oldest_queued() == {}
    first, second = await enqueue(store, "q", 2)
    clock.advance(5)
    await store.queue_create("other", "s", None)
    (later,) = await enqueue(store, "other")
    await store.queue_create("empty", "s", None)
    assert await store.oldest_queued() == {
        "q": first["created_at"],
        "other": later["created_at"],
    }

    await store.task_claim(ClaimParams(queue="q", worker="w"))  # takes the first
    assert (await store.oldest_queued())["q"] == second["created_at"]

    await store.task_requeue(first["id"])  # back in line, with its own enqueue time
    assert (await store.oldest_queued())["q"] == first["created_at"]

    for _ in range(2):
        claimed = await store.task_claim(ClaimParams(queue="q", worker="w"))
        assert claimed is not None
        await store.task_finish(FinishParams(ref=claimed["id"], status="succeeded"))
    assert await store.oldest_queued() == {"other": later["created_at"]}
