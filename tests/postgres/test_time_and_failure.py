"""Time and failure on PostgreSQL in database time (the conformance suite's cases that move
a fake clock cannot run here): due timers, retries after their backoff, expiry, the sweeper's
stale attempt, rescheduling and the timeline, with short real waits bounded by a timeout."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams

pytestmark = pytest.mark.timeout(60)
BOUND = 10.0
QUICK = {"type": "fixed", "delay": 0.3, "max_delay": 3600, "jitter": 0}


async def setup(open_store):
    rec = await open_store("postgresql")
    from tests.store.engines import seed

    await seed(rec.store)
    await rec.store.session_create("s", None)
    await rec.store.queue_create("q", "s", None)
    return rec


def item(**kw) -> EnqueueItem:
    return EnqueueItem(tool="run-bash", **kw)


async def claim(store, wait: float = 0.0, worker: str = "w"):
    return await store.task_claim(ClaimParams(queue="q", worker=worker, wait=wait))


async def test_a_delayed_task_is_promoted_by_the_timer_to_a_waiting_claim(open_store) -> None:
    rec = await setup(open_store)
    s = rec.store
    [later] = await s.task_enqueue("q", [item(delay=0.5, priority=9)])
    [now] = await s.task_enqueue("q", [item()])
    assert later["status"] == "scheduled" and later["run_at"] > later["created_at"]
    assert (await claim(s))["id"] == now["id"]  # higher priority, but not due
    got = await asyncio.wait_for(claim(s, wait=BOUND), BOUND + 1)
    assert got is not None and (got["id"], got["attempts"]) == (later["id"], 1)
    assert "task.due" in [e["type"] for e in rec.events]
    counts = (await s.queue_get("q"))["counts"]
    assert (counts["scheduled"], counts["running"]) == (0, 2)


async def test_a_failure_retries_after_its_backoff_then_fails_for_good(open_store) -> None:
    rec = await setup(open_store)
    s = rec.store
    [task] = await s.task_enqueue("q", [item(max_attempts=2, backoff=QUICK)])
    await claim(s)
    retried = await s.task_finish(
        FinishParams(ref=task["id"], status="failed", error="boom", attempt=1)
    )
    assert (retried["status"], retried["reason"], retried["error"]) == ("scheduled", None, "boom")
    assert await claim(s) is None  # waiting out its backoff
    again = await asyncio.wait_for(claim(s, wait=BOUND, worker="w2"), BOUND + 1)
    assert again is not None and again["attempts"] == 2
    with pytest.raises(Conflict, match="running attempt 2, not attempt 1"):
        await s.task_heartbeat(task["id"], None, 1)
    dead = await s.task_finish(
        FinishParams(ref=task["id"], status="failed", error="x", attempt=2, reason="timeout")
    )
    assert (dead["status"], dead["reason"], dead["attempts"]) == ("failed", "timeout", 2)
    timeline = await s.task_events(task["friendly_id"])
    assert [(e["type"], e.get("attempt"), e.get("worker")) for e in timeline] == [
        ("enqueued", None, None),
        ("claimed", 1, "w"),
        ("retrying", 1, "w"),
        ("due", 1, None),
        ("claimed", 2, "w2"),
        ("failed", 2, "w2"),
    ]
    assert timeline[2]["detail"]["reason"] == "error"


async def test_a_task_expires_and_is_never_claimed(open_store) -> None:
    rec = await setup(open_store)
    s = rec.store
    [task] = await s.task_enqueue("q", [item(ttl=0.3)])
    assert task["expires_at"] is not None

    async def expired() -> None:
        while (await s.task_get(task["id"]))["status"] != "failed":
            await asyncio.sleep(0.05)

    await asyncio.wait_for(expired(), BOUND)  # by the due timer
    assert await claim(s) is None
    dead = await s.task_get(task["id"])
    assert (dead["reason"], dead["error"]) == ("expired", "Task expired before it was claimed")
    assert await s.queue_requeue_failed("q", "expired") == 1
    assert (await s.task_get(task["id"]))["expires_at"] is None


async def test_reschedule_and_refusals_in_database_time(open_store) -> None:
    rec = await setup(open_store)
    s = rec.store
    [task] = await s.task_enqueue("q", [item()])
    moved = await s.task_reschedule(task["id"], 300, None)
    assert moved["status"] == "scheduled"
    assert await claim(s) is None
    back = await s.task_reschedule(task["id"], 0, None)
    assert back["status"] == "queued"
    assert (await claim(s))["id"] == task["id"]
    with pytest.raises(Validation, match=r"delay 3.2e\+07 is more than a year away"):
        await s.task_enqueue("q", [item(delay=32_000_000)])
    with pytest.raises(Validation, match="is not after the task is due"):
        await s.task_enqueue("q", [item(delay=60, ttl=None, expires_at=1.0)])


async def test_a_silent_attempt_is_retried_by_the_sweeper_then_failed_stale(open_store) -> None:
    rec = await setup(open_store)
    s = rec.store
    [task] = await s.task_enqueue("q", [item(timeout=0.1, max_attempts=2, backoff=QUICK)])
    await claim(s)

    async def swept(field: str) -> list[str]:
        while not (found := getattr(await s.sweep(), field)):
            await asyncio.sleep(0.05)
        return found

    assert await asyncio.wait_for(swept("retried"), BOUND) == [task["friendly_id"]]
    assert (await s.task_get(task["id"]))["status"] == "scheduled"
    again = await asyncio.wait_for(claim(s, wait=BOUND), BOUND + 1)
    assert again is not None and again["attempts"] == 2
    assert await asyncio.wait_for(swept("failed"), BOUND) == [task["friendly_id"]]
    dead = await s.task_get(task["id"])
    assert (dead["status"], dead["reason"], dead["error"]) == (
        "failed",
        "stale",
        "Task exceeded timeout",
    )
    counts = (await s.queue_get("q"))["counts"]
    assert (counts["failed"], counts["scheduled"], counts["running"]) == (1, 0, 0)


async def test_a_task_delayed_by_one_store_reaches_a_claim_waiting_on_another(
    open_store, fresh_pg_url: str
) -> None:
    from sparkq_daemon.store.postgres.store import PgStore

    rec = await setup(open_store)
    other = PgStore(fresh_pg_url)
    await other.open()
    try:
        waiting = asyncio.create_task(claim(other, wait=BOUND, worker="far"))
        await asyncio.sleep(0)  # registered before the enqueue
        [task] = await rec.store.task_enqueue("q", [item(delay=0.4)])
        got = await asyncio.wait_for(waiting, BOUND + 1)
        assert got is not None and (got["id"], got["worker"]) == (task["id"], "far")
    finally:
        await other.close()
