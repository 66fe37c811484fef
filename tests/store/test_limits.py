"""Flow control: a queue's concurrency and sliding-window rate limit, checked in the claiming
transaction, the ``blocked`` reason of a claim that gets nothing, and waiting claims woken
by a freed slot (a task ending) or by the limiter's next slot (a timer), never by polling."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store
from sparkq_daemon.store.sqlite.store import SqliteStore
from tests.store.engines import seed
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


async def test_reconfiguring_never_resets_the_running_count_and_claim_next_keeps_it(
    store: Store, queue: Queue
) -> None:
    await store.queue_set_limits("q", {"concurrency": 3})
    await enqueue(store, "q", 6)
    first = await claim(store)
    for _ in range(2):
        assert await claim(store) is not None
    lowered = await store.queue_set_limits("q", {"concurrency": 1})
    assert (lowered["running"], lowered["blocked"]) == (3, "concurrency")
    finished, following, refused = await store.task_finish_and_claim(
        FinishParams(ref=first["id"], status="succeeded"), ClaimParams(queue="q", worker="w")
    )
    assert (finished["status"], following, refused) == ("succeeded", None, None)
    raised = await store.queue_set_limits("q", {"concurrency": 3})
    assert (raised["running"], raised["blocked"]) == (2, None)
    assert await claim(store) is not None
    assert await claim(store) is None
    cleared = await store.queue_set_limits("q", {"concurrency": None})
    assert cleared["concurrency"] is None
    assert await claim(store) is not None


async def test_paused_empty_or_scheduled_says_so_and_limits_are_stored(
    store: Store, queue: Queue
) -> None:
    assert await store.claim_blocked("q") == {"reason": "empty"}
    await enqueue(store, "q", delay=30)
    blocked = await store.claim_blocked("q")
    assert blocked["reason"] == "empty"
    assert 25 < blocked["retry_after"] <= 30
    await store.queue_set_limits("q", {"concurrency": 2, "rate_limit": {"limit": 5, "per": 1}})
    [listed] = await store.queue_list(None, None, include_archived=False)
    assert (listed["concurrency"], listed["rate_limit"]) == (2, {"limit": 5, "per": 1})
    await store.queue_set_paused("q", True)
    assert await store.claim_blocked("q") == {"reason": "paused"}
    assert (await store.queue_get("q"))["blocked"] == "paused"


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


@pytest.mark.sqlite_only
async def test_limits_and_the_window_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    first = SqliteStore(tmp_path / "sparkq.db", clock=clock)
    await first.open()
    await seed(first)
    await first.session_create("s", None)
    await first.queue_create("q", "s", None)
    await first.queue_set_limits("q", {"concurrency": 3, "rate_limit": {"limit": 1, "per": 60}})
    await enqueue(first, "q", 2)
    assert await claim(first) is not None
    await first.close()
    again = SqliteStore(tmp_path / "sparkq.db", clock=clock)
    await again.open()
    try:
        shown = await again.queue_get("q")
        assert (shown["concurrency"], shown["rate_limit"]) == (3, {"limit": 1, "per": 60})
        assert await claim(again) is None  # the window's claim is remembered
        assert (await again.claim_blocked("q"))["reason"] == "rate"
    finally:
        await again.close()
