"""Time and failure on every engine: delays and due promotion, retries with backoff and the
claim's fence, the sweeper's stale attempt, expiry, cancellation, the dead-letter redrive and
the timeline. Time moves by the injected clock: no test sleeps for a delay."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime

import pytest

from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, Event, FinishParams, Queue, Store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import assert_counts_equal_rows, barrier, enqueue, types

FLAT = {"type": "fixed", "delay": 30, "max_delay": 3600, "jitter": 0}  # no spread: exact times
BOUND = 5.0

pytestmark = pytest.mark.time_and_failure


async def claim(store: Store, worker: str = "w") -> dict | None:
    return await store.task_claim(ClaimParams(queue="q", worker=worker))


async def fail(store: Store, ref: str, **params) -> dict:
    return await store.task_finish(FinishParams(ref=ref, status="failed", error="boom", **params))


def due_in(task: dict, clock: FakeClock) -> float:
    """Seconds from the clock's now to the task's ``run_at``."""
    return round(datetime.fromisoformat(task["run_at"]).timestamp() - clock.time(), 3)


# -- delays ----------------------------------------------------------------------------------


@pytest.mark.needs_clock
async def test_a_delayed_task_is_scheduled_until_due_and_never_blocks_a_due_one(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [later] = await enqueue(store, "q", delay=60, priority=9)
    assert later["status"] == "scheduled" and due_in(later, clock) == 60
    [now] = await enqueue(store, "q")
    assert (await claim(store))["id"] == now["id"]  # higher priority, but not due
    assert await claim(store) is None
    await assert_counts_equal_rows(store)
    clock.advance(61)
    got = await claim(store)
    assert got is not None and (got["id"], got["status"]) == (later["id"], "running")
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_run_at_in_the_past_is_due_at_once(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q", run_at=clock.time() - 5)
    assert task["status"] == "queued"
    assert (await claim(store))["id"] == task["id"]


@pytest.mark.needs_clock
async def test_promote_due_serves_a_waiting_claim(
    store: Store, queue: Queue, clock: FakeClock, events: list[Event]
) -> None:
    [task] = await enqueue(store, "q", delay=10)
    waiter = asyncio.create_task(store.task_claim(ClaimParams(queue="q", worker="w", wait=30)))
    await barrier(store)
    assert not waiter.done()
    assert await store.promote_due() == 0  # not due yet
    clock.advance(10)
    assert await store.promote_due() == 1
    got = await asyncio.wait_for(waiter, BOUND)
    assert got is not None and got["id"] == task["id"]
    assert "task.due" in types(events)
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_a_run_at_more_than_a_year_away_is_refused(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    with pytest.raises(Validation, match=r"run_at .* more than a year away"):
        await enqueue(store, "q", run_at=clock.time() + 366 * 86400)
    with pytest.raises(Validation, match=r"delay 3.2e\+07 is more than a year away"):
        await enqueue(store, "q", delay=32_000_000)


@pytest.mark.needs_clock
async def test_reschedule_moves_a_queued_or_scheduled_task(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q")
    moved = await store.task_reschedule(task["id"], 300, None)
    assert moved["status"] == "scheduled"
    assert await claim(store) is None
    back = await store.task_reschedule(task["id"], None, clock.time())
    assert back["status"] == "queued"
    assert (await claim(store))["id"] == task["id"]
    with pytest.raises(Conflict, match="is running; only a queued or scheduled task"):
        await store.task_reschedule(task["id"], 5, None)
    await assert_counts_equal_rows(store)


# -- retries ---------------------------------------------------------------------------------


@pytest.mark.needs_clock
async def test_a_failure_retries_after_its_backoff_then_fails_for_good(
    store: Store, queue: Queue, clock: FakeClock, events: list[Event]
) -> None:
    [task] = await enqueue(store, "q", max_attempts=3, backoff=FLAT)
    assert (task["max_attempts"], task["backoff"]) == (3, FLAT)
    for attempt in (1, 2):
        got = await claim(store)
        assert got["attempts"] == attempt
        retried = await fail(store, task["id"], attempt=attempt)
        assert (retried["status"], retried["error"], retried["reason"]) == (
            "scheduled",
            "boom",
            None,
        )
        assert due_in(retried, clock) == 30
        assert await claim(store) is None  # waiting out its backoff
        clock.advance(30)
    assert types(events).count("task.retrying") == 2
    retrying = next(e for e in events if e["type"] == "task.retrying")
    assert (retrying["attempt"], retrying["reason"]) == (1, "error")
    await claim(store)
    dead = await fail(store, task["id"], attempt=3, reason="timeout")
    assert (dead["status"], dead["reason"], dead["attempts"]) == ("failed", "timeout", 3)
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_exponential_backoff_doubles(store: Store, queue: Queue, clock: FakeClock) -> None:
    backoff = {"type": "exponential", "delay": 10, "max_delay": 3600, "jitter": 0}
    [task] = await enqueue(store, "q", max_attempts=4, backoff=backoff)
    waits = []
    for _ in range(3):
        await claim(store)
        retried = await fail(store, task["id"])
        wait = due_in(retried, clock)
        waits.append(wait)
        clock.advance(wait)
    assert waits == [10, 20, 40]


async def test_no_retry_when_asked_or_by_default(store: Store, queue: Queue) -> None:
    one, many = await enqueue(store, "q"), await enqueue(store, "q", max_attempts=5)
    await claim(store)
    assert (await fail(store, one[0]["id"]))["status"] == "failed"  # max_attempts 1
    await claim(store)
    ended = await fail(store, many[0]["id"], retry=False)
    assert (ended["status"], ended["reason"], ended["attempts"]) == ("failed", "error", 1)


async def test_the_task_class_gives_retry_defaults(store: Store, queue: Queue) -> None:
    cls = await store.task_class_upsert("RETRY", 60, None, max_attempts=4, backoff=FLAT)
    assert (cls["max_attempts"], cls["backoff"]) == (4, FLAT)
    [task] = await enqueue(store, "q", task_class="RETRY")
    assert (task["max_attempts"], task["backoff"]) == (4, FLAT)
    [own] = await enqueue(store, "q", task_class="RETRY", max_attempts=2)
    assert own["max_attempts"] == 2


@pytest.mark.needs_clock
async def test_a_report_of_another_attempt_is_refused(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q", max_attempts=2, backoff=FLAT)
    await claim(store)
    await fail(store, task["id"], attempt=1)
    clock.advance(30)
    await claim(store)
    for call in (
        store.task_finish(FinishParams(ref=task["id"], status="succeeded", attempt=1)),
        fail(store, task["id"], attempt=1),
        store.task_heartbeat(task["id"], None, 1),
        store.task_requeue(task["id"], None, 1),
    ):
        with pytest.raises(Conflict, match="running attempt 2, not attempt 1"):
            await call
    done = await store.task_finish(FinishParams(ref=task["id"], status="succeeded", attempt=2))
    assert done["status"] == "succeeded"


async def test_a_claim_given_back_does_not_count_but_its_lease_does(
    store: Store, queue: Queue
) -> None:
    [task] = await enqueue(store, "q", max_attempts=2)
    for _ in range(3):  # claimed and given back three times: never past max_attempts
        got = await claim(store)
        assert got["attempts"] == 1
        back = await store.task_requeue(task["id"], "w", got["attempts"], got["lease"])
        assert (back["status"], back["attempts"], back["lease"]) == ("queued", 0, got["lease"])
    last = await claim(store)
    assert (last["attempts"], last["lease"]) == (1, 4)
    assert last["attempts"] <= last["max_attempts"]


async def test_a_report_of_an_earlier_claim_with_the_same_attempt_is_refused_by_its_lease(
    store: Store, queue: Queue
) -> None:
    """A running task requeued from outside and claimed again by the same worker runs the
    same attempt number: only the lease tells the old claim's late report from the new."""
    [task] = await enqueue(store, "q", max_attempts=3)
    old = await claim(store, "w")
    await store.task_requeue(task["id"])  # from the cockpit, say
    new = await claim(store, "w")
    assert (old["attempts"], new["attempts"]) == (1, 1) and new["lease"] == old["lease"] + 1
    late = {"attempt": old["attempts"], "lease": old["lease"]}
    for call in (
        store.task_finish(FinishParams(ref=task["id"], status="succeeded", worker="w", **late)),
        fail(store, task["id"], worker="w", **late),
        store.task_heartbeat(task["id"], "w", late["attempt"], late["lease"]),
        store.task_progress(task["id"], "w", 1, 50.0, None, False, old["lease"]),
        store.task_log(task["id"], "w", 1, "stdout", "late\n", old["lease"]),
        store.task_requeue(task["id"], "w", late["attempt"], late["lease"]),
    ):
        with pytest.raises(Conflict, match=f"claimed again since lease {old['lease']}"):
            await call
    assert (await store.task_get(task["id"]))["status"] == "running"
    done = await store.task_finish(
        FinishParams(ref=task["id"], status="succeeded", worker="w", lease=new["lease"])
    )
    assert done["status"] == "succeeded"


async def test_fail_with_claim_next_retries_too(store: Store, queue: Queue) -> None:
    [task] = await enqueue(store, "q", max_attempts=2, backoff=FLAT)
    await claim(store)
    done, following, _ = await store.task_finish_and_claim(
        FinishParams(ref=task["id"], status="failed", error="x", attempt=1),
        ClaimParams(queue="q", worker="w"),
    )
    assert done["status"] == "scheduled" and following is None


# -- the sweeper -----------------------------------------------------------------------------


@pytest.mark.needs_clock
async def test_stale_is_an_attempt_then_failed_with_reason_stale(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q", timeout=10, max_attempts=2, backoff=FLAT)
    await claim(store)
    clock.advance(21)
    outcome = await store.sweep()
    assert outcome.retried == [task["friendly_id"]] and outcome.failed == []
    assert (await store.task_get(task["id"]))["status"] == "scheduled"
    clock.advance(30)
    assert (await claim(store))["attempts"] == 2
    clock.advance(21)
    outcome = await store.sweep()
    assert outcome.failed == [task["friendly_id"]]
    dead = await store.task_get(task["id"])
    assert (dead["status"], dead["reason"], dead["error"]) == (
        "failed",
        "stale",
        "Task exceeded timeout",
    )
    await assert_counts_equal_rows(store)


# -- expiry ----------------------------------------------------------------------------------


@pytest.mark.needs_clock
async def test_an_expired_task_fails_at_claim_time(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q", ttl=5)
    assert task["expires_at"] is not None
    clock.advance(6)
    assert await claim(store) is None
    dead = await store.task_get(task["id"])
    assert (dead["status"], dead["reason"]) == ("failed", "expired")
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_ttl_counts_from_run_at_and_the_sweeper_expires(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q", delay=100, ttl=10)
    clock.advance(105)
    assert (await store.sweep()).expired == []  # due at 100, expires at 110
    clock.advance(10)
    assert (await store.sweep()).expired == [task["friendly_id"]]
    assert (await store.task_get(task["id"]))["reason"] == "expired"
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_expires_at_before_the_due_time_is_refused(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    with pytest.raises(Validation, match=r"expires_at .* is not after the task is due"):
        await enqueue(store, "q", delay=60, expires_at=clock.time() + 30)
    with pytest.raises(Validation, match=r"ttl 1e\+308 is more than a year"):
        await enqueue(store, "q", ttl=1e308)
    with pytest.raises(Validation, match=r"expires_at .* more than a year after"):
        await enqueue(store, "q", expires_at=clock.time() + 400 * 86400)


# -- cancellation ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["queued", "scheduled", "running"])
async def test_cancel_from_each_state(
    store: Store, queue: Queue, state: str, events: list[Event]
) -> None:
    [task] = await enqueue(store, "q", delay=60 if state == "scheduled" else None)
    if state == "running":
        await claim(store, "runner-1")
    cancelled = await store.task_cancel(task["id"], "no longer wanted")
    assert (cancelled["status"], cancelled["reason"], cancelled["error"]) == (
        "cancelled",
        "cancelled",
        "no longer wanted",
    )
    event = events[-1]
    assert event["type"] == "task.cancelled"
    assert event["worker"] == ("runner-1" if state == "running" else None)
    with pytest.raises(Conflict, match="is cancelled"):
        await store.task_finish(FinishParams(ref=task["id"], status="succeeded"))
    with pytest.raises(Conflict, match="only a queued, scheduled, blocked or running"):
        await store.task_cancel(task["id"], None)
    assert await claim(store) is None
    await assert_counts_equal_rows(store)


@pytest.mark.parametrize("ended", ["succeeded", "failed"])
async def test_a_terminal_task_cannot_be_cancelled(store: Store, queue: Queue, ended: str) -> None:
    [task] = await enqueue(store, "q")
    await claim(store)
    await store.task_finish(FinishParams(ref=task["id"], status=ended, error="e"))
    with pytest.raises(Conflict, match=f"is {ended}"):
        await store.task_cancel(task["id"], None)


# -- dead letters and redrive ----------------------------------------------------------------


async def test_requeue_of_a_failed_or_cancelled_task_gives_all_attempts_again(
    store: Store, queue: Queue
) -> None:
    [task] = await enqueue(store, "q", max_attempts=1)
    await claim(store)
    await fail(store, task["id"])
    back = await store.task_requeue(task["id"])
    assert (back["status"], back["attempts"], back["reason"]) == ("queued", 0, None)
    await store.task_cancel(task["id"], None)
    assert (await store.task_requeue(task["id"]))["attempts"] == 0


@pytest.mark.needs_clock
async def test_requeue_failed_redrives_a_queue_or_one_reason(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    errors = await enqueue(store, "q", 2)
    [expiring] = await enqueue(store, "q", ttl=1)
    for _ in errors:
        got = await claim(store)
        await fail(store, got["id"])
    clock.advance(2)
    await store.sweep()
    [other] = await enqueue(store, "q")
    assert await store.queue_requeue_failed("q", "expired") == 1
    assert (await store.task_get(expiring["id"]))["status"] == "queued"
    assert await store.queue_requeue_failed("q", None) == 2
    for task in errors:
        assert (await store.task_get(task["id"]))["status"] == "queued"
    assert await store.queue_requeue_failed("q", None) == 0
    assert (await store.task_get(other["id"]))["status"] == "queued"
    await assert_counts_equal_rows(store)


# -- the timeline ----------------------------------------------------------------------------


@pytest.mark.needs_clock
async def test_the_timeline_has_one_row_per_state_change(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [task] = await enqueue(store, "q", delay=5, max_attempts=2, backoff=FLAT)
    clock.advance(5)
    await store.promote_due()
    await claim(store, "w1")
    await fail(store, task["id"])
    clock.advance(30)
    await claim(store, "w2")
    await store.task_cancel(task["id"], "stop")
    await store.task_requeue(task["id"])
    timeline = await store.task_events(task["friendly_id"])
    assert [(e["type"], e.get("attempt"), e.get("worker")) for e in timeline] == [
        ("enqueued", None, None),
        ("due", None, None),
        ("claimed", 1, "w1"),
        ("retrying", 1, "w1"),
        ("due", 1, None),
        ("claimed", 2, "w2"),
        ("cancelled", 2, "w2"),
        ("requeued", 2, "w2"),
    ]
    assert timeline[3]["detail"]["reason"] == "error"
    assert [e["seq"] for e in timeline] == sorted(e["seq"] for e in timeline)
    assert all(e["at"] for e in timeline)


async def test_the_timeline_goes_with_its_task(store: Store, queue: Queue) -> None:
    [task] = await enqueue(store, "q")
    await claim(store)
    await store.task_finish(FinishParams(ref=task["id"], status="succeeded"))
    assert len(await store.task_events(task["id"])) == 3
    await store.purge(0)
    [again] = await enqueue(store, "q")
    await store.task_delete(again["id"])
    [fresh] = await store.task_enqueue("q", [EnqueueItem("run-bash")])
    assert [e["type"] for e in await store.task_events(fresh["id"])] == ["enqueued"]


@pytest.mark.sqlite_only
async def test_purge_and_delete_leave_no_timeline_rows(store: Store, queue: Queue) -> None:
    done, gone, _kept = await enqueue(store, "q", 3)
    await claim(store)
    await store.task_finish(FinishParams(ref=done["id"], status="succeeded"))
    await store.task_delete(gone["id"])
    await store.purge(0)
    await store.queue_delete("q")
    with sqlite3.connect(store.path) as conn:  # type: ignore[attr-defined]
        left = conn.execute("SELECT COUNT(*) FROM task_events").fetchone()[0]
    conn.close()
    assert left == 0
