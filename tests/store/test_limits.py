"""Flow control: a queue's concurrency and sliding-window rate limit, checked in the claiming
transaction, the ``blocked`` reason of a claim that gets nothing, and waiting claims woken
by a freed slot (a task ending) or by the limiter's next slot (a timer), never by polling."""

from __future__ import annotations

import asyncio
import time

import pytest

from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import assert_counts_equal_rows, enqueue
from tests.store.test_waiting_claims import BOUND, waiting


async def claim(store: Store, queue: str | None = "q", worker: str = "w"):
    return await store.task_claim(ClaimParams(queue=queue, worker=worker))


async def done(store: Store, task_id: str) -> None:
    await store.task_finish(FinishParams(ref=task_id, status="succeeded"))


async def test_concurrency_caps_running_tasks_and_says_why(store: Store, queue: Queue) -> None:
    limited = await store.queue_set_limits("q", {"concurrency": 2})
    assert (limited["concurrency"], limited["rate_limit"], limited["blocked"]) == (2, None, None)
    await enqueue(store, "q", 4)
    first, second = await claim(store), await claim(store)
    assert first is not None and second is not None
    assert await claim(store) is None
    assert await claim(store, queue=None) is None  # a claim from any queue keeps it too
    assert await store.claim_blocked("q") == {"reason": "concurrency"}
    shown = await store.queue_get("q")
    assert (shown["running"], shown["blocked"]) == (2, "concurrency")
    await done(store, first["id"])
    assert await claim(store) is not None
    await assert_counts_equal_rows(store)


async def test_reconfiguring_never_resets_the_running_count(store: Store, queue: Queue) -> None:
    await store.queue_set_limits("q", {"concurrency": 3})
    await enqueue(store, "q", 5)
    for _ in range(3):
        assert await claim(store) is not None
    lowered = await store.queue_set_limits("q", {"concurrency": 1})
    assert (lowered["running"], lowered["blocked"]) == (3, "concurrency")
    raised = await store.queue_set_limits("q", {"concurrency": 4})
    assert (raised["running"], raised["blocked"]) == (3, None)
    assert await claim(store) is not None
    assert await claim(store) is None
    cleared = await store.queue_set_limits("q", {"concurrency": None})
    assert cleared["concurrency"] is None
    assert await claim(store) is not None


async def test_claim_next_keeps_the_limit(store: Store, queue: Queue) -> None:
    await store.queue_set_limits("q", {"concurrency": 2})
    await enqueue(store, "q", 4)
    first, _ = await claim(store), await claim(store)
    await store.queue_set_limits("q", {"concurrency": 1})
    finished, following, refused = await store.task_finish_and_claim(
        FinishParams(ref=first["id"], status="succeeded"), ClaimParams(queue="q", worker="w")
    )
    assert (finished["status"], following, refused) == ("succeeded", None, None)


async def test_a_paused_or_empty_queue_says_so(store: Store, queue: Queue) -> None:
    assert await store.claim_blocked("q") == {"reason": "empty"}
    await store.queue_set_paused("q", True)
    assert await store.claim_blocked("q") == {"reason": "paused"}
    assert (await store.queue_get("q"))["blocked"] == "paused"


async def test_a_scheduled_task_gives_retry_after(store: Store, queue: Queue) -> None:
    await enqueue(store, "q", delay=30)
    blocked = await store.claim_blocked("q")
    assert blocked["reason"] == "empty"
    assert 25 < blocked["retry_after"] <= 30


@pytest.mark.needs_clock
async def test_the_rate_window_slides_rather_than_refilling_a_bucket(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    await store.queue_set_limits("q", {"rate_limit": {"limit": 3, "per": 10}})
    await enqueue(store, "q", 10)
    assert await claim(store) is not None  # t = 0
    clock.advance(6)
    assert await claim(store) is not None  # t = 6
    assert await claim(store) is not None
    assert await claim(store) is None
    blocked = await store.claim_blocked("q")
    assert blocked["reason"] == "rate"
    assert blocked["retry_after"] == pytest.approx(4, abs=0.01)
    clock.advance(4.01)  # the claim of t = 0 left the window: one slot, not three
    assert await claim(store) is not None
    assert await claim(store) is None
    # Full again (t = 6, 6, 10.01): the next slot opens when the claims of t = 6 leave.
    assert (await store.claim_blocked("q"))["retry_after"] == pytest.approx(5.99, abs=0.01)
    clock.advance(6)
    assert await claim(store) is not None
    assert await claim(store) is not None
    assert await claim(store) is None
    cleared = await store.queue_set_limits("q", {"rate_limit": None})
    assert cleared["rate_limit"] is None
    assert await claim(store) is not None


async def test_a_waiting_claim_wakes_when_a_running_task_ends(store: Store, queue: Queue) -> None:
    await store.queue_set_limits("q", {"concurrency": 1})
    await enqueue(store, "q", 2)
    running = await claim(store)
    claimer = await waiting(store)
    await done(store, running["id"])
    task = await asyncio.wait_for(claimer, BOUND)
    assert task is not None and task["id"] != running["id"]


async def test_a_waiting_claim_wakes_at_the_next_rate_slot(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    await store.queue_set_limits("q", {"rate_limit": {"limit": 1, "per": 0.4}})
    await enqueue(store, "q", 2)
    started = time.monotonic()
    assert await claim(store) is not None
    claimer = await waiting(store)
    clock.advance(0.4)  # the time the store reads (the database's own moves by itself)
    task = await asyncio.wait_for(claimer, BOUND)
    assert task is not None
    assert 0.3 <= time.monotonic() - started < BOUND


async def test_limits_are_stored_with_the_queue(store: Store, queue: Queue) -> None:
    await store.queue_set_limits("q", {"concurrency": 2, "rate_limit": {"limit": 5, "per": 1}})
    [listed] = await store.queue_list(None, None, include_archived=False)
    assert (listed["concurrency"], listed["rate_limit"]) == (2, {"limit": 5, "per": 1})
