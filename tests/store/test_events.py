"""Events: every committed write's events reach ``on_commit`` by the time the write is
acknowledged, with what a subscriber needs; a refused write publishes nothing."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_daemon.errors import Conflict, NotFound, Validation
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, Event, FinishParams, Queue, Store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import assert_counts_equal_rows, enqueue, types


async def test_session_and_queue_events(store: Store, events: list[Event]) -> None:
    session = await store.session_create("s", None)
    assert types(events) == ["session.created"]
    queue = await store.queue_create("q", "s", None)
    await store.queue_update("q", None, "x")
    await store.queue_set_paused("q", True)
    await store.queue_set_paused("q", False)
    await store.queue_set_state("q", "archived", "queue.archived")
    await store.queue_set_state("q", None, "queue.unarchived")
    await store.session_end("s")
    await store.queue_delete("q")
    await store.session_delete("s")
    assert types(events) == [
        "session.created",
        "queue.created",
        "queue.updated",
        "queue.paused",
        "queue.resumed",
        "queue.archived",
        "queue.unarchived",
        "queue.ended",
        "session.ended",
        "queue.deleted",
        "session.deleted",
    ]
    for event in events:
        assert event["topic"] == event["type"].split(".")[0]
        assert event["id"] in (session["id"], queue["id"])
        assert event["at"]
    assert [e["status"] for e in events if e["type"].startswith("queue.")][-3:] == [
        "idle",
        "ended",
        "deleted",
    ]


async def test_task_events_carry_id_queue_and_status(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    made = await enqueue(store, "q", 3)
    assert types(events) == ["task.enqueued"] * 3  # one per task of a batch
    assert [e["friendly_id"] for e in events] == ["Q-0001", "Q-0002", "Q-0003"]
    a, b, c = (t["id"] for t in made)
    events.clear()
    await store.task_update(c, {"priority": 1})
    await store.task_claim(ClaimParams(queue="q", worker="w"))  # c: the highest priority
    await store.task_heartbeat(c, "w")  # a heartbeat publishes nothing
    await store.task_finish(FinishParams(ref=c, status="succeeded"))
    await store.task_claim(ClaimParams(id=a, worker="w"))
    await store.task_finish(FinishParams(ref=a, status="failed", error="x"))
    await store.task_requeue(a)
    await store.task_rerun(c)
    await store.task_delete(b)
    assert [(e["type"], e["status"]) for e in events] == [
        ("task.updated", "queued"),
        ("task.claimed", "running"),
        ("task.completed", "succeeded"),
        ("task.claimed", "running"),
        ("task.failed", "failed"),
        ("task.requeued", "queued"),
        ("task.enqueued", "queued"),
        ("task.deleted", "deleted"),
    ]
    assert [e["id"] for e in events[:-2]] == [c, c, c, a, a, a]
    assert all(e["topic"] == "task" and e["queue_id"] == queue["id"] for e in events)


@pytest.mark.needs_clock
async def test_task_events_carry_the_times_tool_and_queue_name(
    store: Store, queue: Queue, events: list[Event], clock: FakeClock
) -> None:
    """What ``/metrics`` computes wait and run times from, and labels them with."""
    [made] = await enqueue(store, "q")
    clock.advance(2)
    claimed = await store.task_claim(ClaimParams(queue="q", worker="w"))
    clock.advance(3)
    finished = await store.task_finish(FinishParams(ref=made["id"], status="failed", error="x"))
    assert claimed is not None
    enqueued, claim, failed = events
    for event in events:
        assert (event["queue_name"], event["tool"]) == ("q", "run-bash")
        assert event["created_at"] == made["created_at"]
    assert (enqueued["claimed_at"], enqueued["finished_at"]) == (None, None)
    assert (claim["claimed_at"], claim["finished_at"]) == (claimed["claimed_at"], None)
    assert (failed["claimed_at"], failed["finished_at"]) == (
        claimed["claimed_at"],
        finished["finished_at"],
    )
    assert failed["reason"] == "error"  # a runner's failure, out of attempts


async def test_catalogue_events(store: Store, events: list[Event]) -> None:
    await store.task_class_upsert("QUICK", 1, None)
    await store.tool_upsert("t", "QUICK", None, None)
    await store.tool_delete("t")
    await store.task_class_delete("QUICK")
    await store.prompt_create("p", "P", "text", None)
    await store.prompt_update("p", {"label": "Q"})
    await store.prompt_delete("p")
    assert types(events) == [
        "task_class.upserted",
        "tool.upserted",
        "tool.deleted",
        "task_class.deleted",
        "prompt.created",
        "prompt.updated",
        "prompt.deleted",
    ]
    assert all(e["topic"] == "catalog" for e in events)


async def test_refused_writes_publish_nothing(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    [made] = await enqueue(store, "q")
    events.clear()
    refusals = [
        (Conflict, store.session_create("s", None)),
        (NotFound, store.queue_create("r", "ghost", None)),
        (Conflict, store.queue_create("q", "s", None)),
        (Validation, store.task_enqueue("q", [EnqueueItem("run-bash"), EnqueueItem("nope")])),
        (Conflict, store.task_finish(FinishParams(ref=made["id"], status="succeeded"))),
        (Conflict, store.task_heartbeat(made["id"], None)),
        (Conflict, store.task_requeue(made["id"])),
        (Conflict, store.queue_set_state("q", None, "queue.unarchived")),
        (NotFound, store.task_delete("ghost")),
        (Conflict, store.task_class_delete("MEDIUM_SCRIPT")),
        (Validation, store.tool_upsert("t", "NO_CLASS", None, None)),
    ]
    for error, refused in refusals:
        with pytest.raises(error):
            await refused
    assert events == []


async def test_refusals_among_concurrent_writes_drop_only_their_own_events(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    outcomes = await asyncio.gather(
        store.task_enqueue("q", [EnqueueItem("run-bash")]),
        store.task_enqueue("q", [EnqueueItem("run-bash"), EnqueueItem("nope")]),
        store.session_create("s", None),
        store.task_enqueue("q", [EnqueueItem("run-bash")]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], Validation) and isinstance(outcomes[2], Conflict)
    made = [outcomes[0][0], outcomes[3][0]]  # type: ignore[index]
    enqueued = [e for e in events if e["type"] == "task.enqueued"]
    assert sorted(e["id"] for e in enqueued) == sorted(t["id"] for t in made)
    assert types(events) == ["task.enqueued", "task.enqueued"]
    assert sorted(t["friendly_id"] for t in made) == ["Q-0001", "Q-0002"]  # no number lost
    await assert_counts_equal_rows(store)


async def test_events_are_delivered_by_the_time_the_write_is_acknowledged(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    for n in range(5):
        [made] = await enqueue(store, "q")
        assert events[-1]["id"] == made["id"]
        assert len(events) == n + 1


async def test_a_delivered_event_describes_committed_state(store: Store, queue: Queue) -> None:
    """What the sink reads right when an event arrives is already there: delivery follows
    the commit."""
    reads: list[asyncio.Task] = []

    def sink(batch: list[Event]) -> None:
        reads.extend(
            asyncio.ensure_future(store.task_get(e["id"]))
            for e in batch
            if e["type"] == "task.enqueued"
        )

    store.on_commit = sink
    made = await enqueue(store, "q", 3)
    seen = await asyncio.gather(*reads)
    assert [t["id"] for t in seen] == [t["id"] for t in made]


@pytest.mark.needs_clock
async def test_sweep_and_purge_events(
    store: Store, queue: Queue, events: list[Event], clock: FakeClock
) -> None:
    [made] = await enqueue(store, "q", timeout=10)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    events.clear()
    clock.advance(11)
    await store.sweep()
    assert [(e["type"], e["id"], e["status"]) for e in events] == [
        ("task.stale", made["id"], "running")
    ]
    clock.advance(10)
    await store.sweep()
    assert (events[-1]["type"], events[-1]["status"]) == ("task.failed", "failed")
    assert events[-1]["error"] == "Task exceeded timeout"
    assert events[-1]["reason"] == "stale"
    assert (events[-1]["queue_name"], events[-1]["tool"]) == ("q", "run-bash")
    assert events[-1]["created_at"] == made["created_at"]
    assert events[-1]["claimed_at"] < events[-1]["finished_at"] == events[-1]["at"]
    events.clear()
    await store.sweep()
    assert events == []  # a sweep that changes nothing publishes nothing
    await store.purge(0)
    assert [(e["type"], e["id"]) for e in events] == [("task.purged", made["id"])]
