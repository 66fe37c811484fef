"""Queue throughput (``queue_throughput``): finished tasks per minute, and the oldest queued
task's wait against its class's timeout."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import NotFound
from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import enqueue


async def _finish_one(store: Store, status: str) -> None:
    task = await store.task_claim(ClaimParams(queue="q", worker="w"))
    assert task is not None
    await store.task_finish(FinishParams(ref=task["id"], status=status, retry=False))


async def test_counts_per_minute_and_the_oldest_queued(store: Store, queue: Queue) -> None:
    await store.queue_create("idle", "s", None)
    made = await enqueue(store, "q", 4)
    await _finish_one(store, "succeeded")
    await _finish_one(store, "failed")
    await store.task_cancel(made[2]["id"], None)  # cancelled: not a completion
    [q, idle] = await store.queue_throughput(None, 60)
    assert (q["name"], idle["name"]) == ("q", "idle")
    assert len(q["counts"]) == 60 and q["counts"][-1] == 2 and q["total"] == 2
    assert sum(q["counts"][:-1]) == 0
    oldest = q["oldest_queued"]
    assert oldest["friendly_id"] == made[3]["friendly_id"]
    assert oldest["class_timeout"] == made[3]["timeout"] and oldest["overdue"] is False
    assert 0 <= oldest["waited_s"] < 60
    assert idle["oldest_queued"] is None and idle["total"] == 0
    [only] = await store.queue_throughput("q", 5)
    assert only["id"] == queue["id"] and only["counts"] == [0, 0, 0, 0, 2]
    with pytest.raises(NotFound):
        await store.queue_throughput("ghost", 5)


@pytest.mark.needs_clock
async def test_minutes_move_and_a_long_wait_is_overdue(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    made = await enqueue(store, "q", 2, timeout=30)
    await _finish_one(store, "succeeded")
    clock.advance(150)
    [q] = await store.queue_throughput("q", 5)
    assert q["counts"] == [0, 0, 1, 0, 0]
    oldest = q["oldest_queued"]
    assert oldest["friendly_id"] == made[1]["friendly_id"]
    # The class's timeout (run-bash: its class's), not the task's own 30 s.
    assert oldest["class_timeout"] > 30
    assert oldest["overdue"] is (oldest["waited_s"] > oldest["class_timeout"])
    clock.advance(oldest["class_timeout"])
    [q] = await store.queue_throughput("q", 5)
    assert q["oldest_queued"]["overdue"] is True and q["total"] == 0
