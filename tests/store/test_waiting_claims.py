"""Waiting claims (``ClaimParams.wait``): woken by the write that makes a task claimable,
ended by their timeout or a ``give_up`` event, and one task goes to one waiter only."""

from __future__ import annotations

import asyncio
import time

from sparkq_daemon.store.base import ClaimParams, Queue, Store
from tests.store.engines import standing_claims
from tests.store.helpers import assert_counts_equal_rows, barrier, enqueue
from tests.waiting import await_until

LONG = 30.0  # a wait no test sits through: each one ends long before, or fails
BOUND = 5.0  # how long a woken waiter may take to answer


async def waiting(store: Store, **params) -> asyncio.Task:
    """A claim that waits, already registered with the store when this returns."""
    params = {"queue": "q", "worker": "w", "wait": LONG, **params}
    before = standing_claims(store)
    claimer = asyncio.create_task(store.task_claim(ClaimParams(**params)))
    await barrier(store)
    # On an engine with a connection pool the barrier's write may overtake the claim.
    await await_until(
        lambda: claimer.done() or standing_claims(store) > before, BOUND, "the claim to wait"
    )
    assert not claimer.done(), "the claim answered at once instead of waiting"
    return claimer


async def test_a_waiting_claim_gets_a_task_enqueued_after_it_began(
    store: Store, queue: Queue
) -> None:
    claimer = await waiting(store)
    started = time.monotonic()
    [made] = await enqueue(store, "q")
    task = await asyncio.wait_for(claimer, BOUND)
    assert time.monotonic() - started < BOUND
    assert task is not None
    assert (task["id"], task["status"], task["worker"]) == (made["id"], "running", "w")
    assert (await store.task_get(made["id"]))["status"] == "running"
    await assert_counts_equal_rows(store)


async def test_a_wait_times_out_with_none(store: Store, queue: Queue) -> None:
    started = time.monotonic()
    assert await store.task_claim(ClaimParams(queue="q", worker="w", wait=0.2)) is None
    assert 0.2 <= time.monotonic() - started < BOUND
    [made] = await enqueue(store, "q")  # nobody holds on to it after the timeout
    assert (await store.task_get(made["id"]))["status"] == "queued"


async def test_give_up_ends_the_wait_early(store: Store, queue: Queue) -> None:
    give_up = asyncio.Event()
    claimer = await waiting(store, give_up=(asyncio.Event(), give_up))
    give_up.set()
    assert await asyncio.wait_for(claimer, BOUND) is None
    [made] = await enqueue(store, "q")
    assert (await store.task_get(made["id"]))["status"] == "queued"


async def test_a_claim_given_up_before_it_begins_does_not_wait(store: Store, queue: Queue) -> None:
    given_up = asyncio.Event()
    given_up.set()
    claim = ClaimParams(queue="q", worker="w", wait=LONG, give_up=(given_up,))
    assert await asyncio.wait_for(store.task_claim(claim), BOUND) is None


async def test_two_waiters_and_one_task_exactly_one_gets_it(store: Store, queue: Queue) -> None:
    give_up = asyncio.Event()
    first = await waiting(store, worker="a", give_up=(give_up,))
    second = await waiting(store, worker="b", give_up=(give_up,))
    [made] = await enqueue(store, "q")
    done, pending = await asyncio.wait(
        {first, second}, timeout=BOUND, return_when="FIRST_COMPLETED"
    )
    assert len(done) == 1, "one waiter should have been served"
    winner = done.pop().result()
    assert winner is not None and winner["id"] == made["id"]
    await barrier(store)
    assert all(not t.done() for t in pending), "the other waiter should still be waiting"
    give_up.set()
    assert [await asyncio.wait_for(t, BOUND) for t in pending] == [None]
    assert (await store.task_get(made["id"]))["worker"] == winner["worker"]


async def test_waiters_are_served_in_arrival_order(store: Store, queue: Queue) -> None:
    claimers = [await waiting(store, worker=f"w{n}") for n in range(3)]
    made = await enqueue(store, "q", 3)
    got = [await asyncio.wait_for(c, BOUND) for c in claimers]
    assert [(t["worker"], t["id"]) for t in got] == [(f"w{n}", made[n]["id"]) for n in range(3)]


async def test_a_waiter_is_not_served_a_task_of_another_tool(store: Store, queue: Queue) -> None:
    claimer = await waiting(store, tools=("run-python",))
    await enqueue(store, "q", tool="run-bash")
    await barrier(store)
    assert not claimer.done()
    [wanted] = await enqueue(store, "q", tool="run-python")
    assert (await asyncio.wait_for(claimer, BOUND))["id"] == wanted["id"]


async def test_a_waiter_on_a_paused_queue_is_served_when_it_resumes(
    store: Store, queue: Queue
) -> None:
    await store.queue_set_paused("q", True)
    [made] = await enqueue(store, "q")
    claimer = await waiting(store)
    await store.queue_set_paused("q", False)
    assert (await asyncio.wait_for(claimer, BOUND))["id"] == made["id"]


async def test_a_waiter_on_any_queue_is_served_by_a_requeue(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    assert await store.task_claim(ClaimParams(worker="first")) is not None
    claimer = await waiting(store, queue=None, worker="second")
    await store.task_requeue(made["id"])
    task = await asyncio.wait_for(claimer, BOUND)
    seen = (task["id"], task["worker"], task["attempts"], task["lease"])
    assert seen == (made["id"], "second", 1, 2)  # the first claim was given back


async def test_a_waiter_follows_its_queue_through_a_rename(store: Store, queue: Queue) -> None:
    claimer = await waiting(store)  # waits on the queue named "q"
    await store.queue_update("q", "renamed", None)
    await barrier(store)
    assert not claimer.done(), "the rename should not end the wait"
    [made] = await enqueue(store, "renamed")
    task = await asyncio.wait_for(claimer, BOUND)
    assert (task["id"], task["queue_name"]) == (made["id"], "renamed")
