"""Unique keys and dependencies on every engine: the live key's duplicate, one result per
batch item, dependants blocked, unblocked, cancelled down the chain and brought back by a
requeue, all in the commit of their dependency's change; purge keeps what a blocked task
names."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams, Queue, Store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import assert_counts_equal_rows, enqueue, types
from tests.store.test_waiting_claims import BOUND, waiting


def item(**fields) -> EnqueueItem:
    return EnqueueItem(tool="run-bash", **fields)


async def run(store: Store, ref: str, ok: bool = True) -> dict:
    """Claim the task ``ref`` and complete it (or fail it for good)."""
    await store.task_claim(ClaimParams(id=ref, worker="w"))
    if ok:
        return await store.task_finish(FinishParams(ref=ref, status="succeeded"))
    return await store.task_finish(
        FinishParams(ref=ref, status="failed", error="boom", retry=False)
    )


async def get(store: Store, ref: str) -> dict:
    return await store.task_get(ref)


# -- unique keys -----------------------------------------------------------------------------


async def test_a_live_key_deduplicates_and_frees_once_the_task_ends(
    store: Store, queue: Queue
) -> None:
    [first] = await enqueue(store, "q", unique_key="nightly")
    assert first["unique_key"] == "nightly" and not first.get("duplicate")
    [again] = await enqueue(store, "q", unique_key="nightly")
    assert again["duplicate"] is True and again["id"] == first["id"]
    await store.session_create("s2", None)
    await store.queue_create("other", "s2", None)
    [elsewhere] = await enqueue(store, "other", unique_key="nightly")  # keys are per queue
    assert not elsewhere.get("duplicate")
    await run(store, first["id"])
    [fresh] = await enqueue(store, "q", unique_key="nightly")
    assert not fresh.get("duplicate") and fresh["id"] != first["id"]
    # The ended task cannot come back while the new one holds the key.
    with pytest.raises(Conflict, match="held by live task"):
        await store.task_requeue(first["id"])
    await store.task_cancel(fresh["id"], None)
    assert (await store.task_requeue(first["id"]))["status"] == "queued"
    await assert_counts_equal_rows(store)


async def test_a_batch_gives_one_result_per_item_in_order(store: Store, queue: Queue) -> None:
    [held] = await enqueue(store, "q", unique_key="a")
    found = await store.task_enqueue(
        "q", [item(unique_key="a"), item(unique_key="b"), item(), item(unique_key="b")]
    )
    assert [t.get("duplicate", False) for t in found] == [True, False, False, True]
    assert found[0]["id"] == held["id"]
    assert found[3]["id"] == found[1]["id"]
    assert len({t["id"] for t in found}) == 3
    await assert_counts_equal_rows(store)


# -- dependencies ----------------------------------------------------------------------------


async def test_a_chain_unblocks_link_by_link_in_the_dependency_s_commit(
    store: Store, queue: Queue, events: list
) -> None:
    [a] = await enqueue(store, "q")
    [b] = await enqueue(store, "q", depends_on=(a["id"],))
    [c] = await enqueue(store, "q", depends_on=(b["friendly_id"],))
    assert b["status"] == "blocked" and b["blocked_by"] == [a["id"]]
    assert b["depends_on"] == [a["id"]] and c["blocked_by"] == [b["id"]]
    assert a["depends_on"] == [] and a["blocked_by"] == []
    await assert_counts_equal_rows(store)
    claimed = await store.task_claim(ClaimParams(queue="q", worker="w"))
    assert claimed["id"] == a["id"] and await store.task_claim(ClaimParams(queue="q")) is None
    events.clear()
    await store.task_finish(FinishParams(ref=a["id"], status="succeeded"))
    assert types(events) == ["task.completed", "task.unblocked"]  # one commit
    b_now = await get(store, b["id"])
    assert b_now["status"] == "queued" and b_now["blocked_by"] == []
    assert (await get(store, c["id"]))["status"] == "blocked"
    await run(store, b["id"])
    assert (await get(store, c["id"]))["status"] == "queued"
    timeline = [e["type"] for e in await store.task_events(b["id"])]
    assert timeline[:3] == ["enqueued", "blocked", "unblocked"]
    # Two dependencies: the last to succeed unblocks; a future run_at makes it scheduled.
    [x, y] = await enqueue(store, "q", n=2)
    [z] = await enqueue(store, "q", depends_on=(x["id"], y["id"]), delay=3600)
    assert z["status"] == "blocked" and set(z["blocked_by"]) == {x["id"], y["id"]}
    await run(store, x["id"])
    assert (await get(store, z["id"]))["blocked_by"] == [y["id"]]
    await run(store, y["id"])
    assert (await get(store, z["id"]))["status"] == "scheduled"
    await assert_counts_equal_rows(store)


async def test_a_failure_cancels_the_chain_and_its_requeue_brings_it_back(
    store: Store, queue: Queue, events: list
) -> None:
    [a] = await enqueue(store, "q")
    [b] = await enqueue(store, "q", depends_on=(a["id"],))
    [c] = await enqueue(store, "q", depends_on=(b["id"],))
    events.clear()
    await run(store, a["id"], ok=False)
    for t in (b, c):
        now = await get(store, t["id"])
        assert now["status"] == "cancelled" and now["reason"] == "dependency"
    assert a["friendly_id"] in (await get(store, b["id"]))["error"]
    assert b["friendly_id"] in (await get(store, c["id"]))["error"]
    assert types(events).count("task.cancelled") == 2
    await assert_counts_equal_rows(store)
    await store.task_requeue(a["id"])
    b_now, c_now = await get(store, b["id"]), await get(store, c["id"])
    assert b_now["status"] == "blocked" and b_now["blocked_by"] == [a["id"]]
    assert c_now["status"] == "blocked" and c_now["reason"] is None
    await run(store, a["id"])
    await run(store, b["id"])
    assert (await get(store, c["id"]))["status"] == "queued"
    await assert_counts_equal_rows(store)


async def test_a_cancel_cancels_dependants_and_the_redrive_restores_them(
    store: Store, queue: Queue
) -> None:
    [a] = await enqueue(store, "q")
    [b] = await enqueue(store, "q", depends_on=(a["id"],))
    await store.task_cancel(a["id"], "no")
    assert (await get(store, b["id"]))["reason"] == "dependency"
    with pytest.raises(Conflict, match="requeue that first"):
        await store.task_requeue(b["id"])
    await run(store, (await store.task_requeue(a["id"]))["id"], ok=False)
    assert (await get(store, b["id"]))["status"] == "cancelled"
    assert await store.queue_requeue_failed("q", None) == 1
    assert (await get(store, b["id"]))["status"] == "blocked"
    await assert_counts_equal_rows(store)


async def test_depending_on_finished_tasks(store: Store, queue: Queue) -> None:
    [done, bad] = await enqueue(store, "q", n=2)
    await run(store, done["id"])
    await run(store, bad["id"], ok=False)
    [free] = await enqueue(store, "q", depends_on=(done["id"],))
    assert free["status"] == "queued" and free["blocked_by"] == []
    [dead] = await enqueue(store, "q", depends_on=(done["id"], bad["id"]))
    assert dead["status"] == "cancelled" and dead["reason"] == "dependency"
    assert bad["friendly_id"] in dead["error"]
    await assert_counts_equal_rows(store)


async def test_batch_indexes_name_earlier_items(store: Store, queue: Queue) -> None:
    found = await store.task_enqueue(
        "q", [item(), item(depends_on=(0,)), item(depends_on=(0, 1)), item(unique_key="x")]
    )
    assert [t["status"] for t in found] == ["queued", "blocked", "blocked", "queued"]
    assert found[2]["blocked_by"] == [found[0]["id"], found[1]["id"]]
    again = await store.task_enqueue("q", [item(unique_key="x"), item(depends_on=(0,))])
    assert again[0]["duplicate"] and again[1]["blocked_by"] == [found[3]["id"]]
    with pytest.raises(NotFound, match="tsk_ffffff123456"):  # all or none
        await store.task_enqueue("q", [item(), item(depends_on=("tsk_ffffff123456",))])
    assert (await store.queue_get("q"))["counts"]["queued"] == 2
    await assert_counts_equal_rows(store)


async def test_purge_keeps_what_a_blocked_task_names_and_delete_refuses(
    store: Store, queue: Queue
) -> None:
    [a, b] = await enqueue(store, "q", n=2)
    [c] = await enqueue(store, "q", depends_on=(a["id"], b["id"]))
    await run(store, a["id"])
    with pytest.raises(Conflict, match="wait for it"):
        await store.task_delete(b["id"])
    assert await store.purge(0) == 0  # a is finished, but c still names it
    await run(store, b["id"])
    assert (await get(store, c["id"]))["status"] == "queued"
    assert await store.purge(0) == 2
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_an_expired_dependency_cancels_its_dependants(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [a] = await enqueue(store, "q", ttl=10)
    [b] = await enqueue(store, "q", depends_on=(a["id"],))
    clock.advance(11)
    await store.promote_due()
    assert (await get(store, b["id"]))["reason"] == "dependency"
    await assert_counts_equal_rows(store)


async def test_a_waiting_claim_gets_the_task_its_dependency_unblocked(
    store: Store, queue: Queue
) -> None:
    await store.queue_create("build", "s", None)  # the dependency lives in another queue
    [a] = await enqueue(store, "build")
    [b] = await enqueue(store, "q", depends_on=(a["id"],))
    await store.task_claim(ClaimParams(id=a["id"], worker="builder"))
    claimer = await waiting(store)
    await store.task_finish(FinishParams(ref=a["id"], status="succeeded"))
    task = await asyncio.wait_for(claimer, BOUND)
    assert task is not None and (task["id"], task["status"]) == (b["id"], "running")
    await assert_counts_equal_rows(store)


async def test_deleting_a_queue_cancels_the_tasks_elsewhere_that_wait_for_it(
    store: Store, queue: Queue
) -> None:
    await store.queue_create("build", "s", None)
    [a] = await enqueue(store, "build")
    [b] = await enqueue(store, "q", depends_on=(a["id"],))
    await store.queue_delete("build")
    now = await get(store, b["id"])
    assert (now["status"], now["reason"]) == ("cancelled", "dependency")
    assert "was deleted" in now["error"]
    await assert_counts_equal_rows(store)


async def test_two_dependencies_ending_at_once_unblock_their_dependant_once(
    store: Store, queue: Queue, events: list
) -> None:
    for _ in range(5):  # several rounds: on PostgreSQL the two ends race in two transactions
        a, b = await enqueue(store, "q", n=2)
        [c] = await enqueue(store, "q", depends_on=(a["id"], b["id"]))
        for t in (a, b):
            await store.task_claim(ClaimParams(id=t["id"], worker="w"))
        events.clear()
        await asyncio.gather(
            *(store.task_finish(FinishParams(ref=t["id"], status="succeeded")) for t in (a, b))
        )
        now = await get(store, c["id"])
        assert (now["status"], now["blocked_by"]) == ("queued", [])
        assert types(events).count("task.unblocked") == 1
        await store.task_claim(ClaimParams(id=c["id"], worker="w"))
    await assert_counts_equal_rows(store)
