"""The runners connected now (``worker_join`` / ``worker_list`` / ``worker_leave``)."""

from __future__ import annotations

from sparkq_daemon.store.base import ClaimParams, Event, Queue, Store
from sparkq_daemon.store.live import Hello
from tests.store.helpers import enqueue, types


async def test_workers_join_run_and_leave(store: Store, queue: Queue, events: list[Event]) -> None:
    events.clear()
    a = await store.worker_join(Hello("wkr_a", "alpha", "box1", 11, ("q",), ("run-bash",), 2))
    assert (a["name"], a["host"], a["pid"], a["queues"], a["tools"], a["concurrency"]) == (
        "alpha",
        "box1",
        11,
        ["q"],
        ["run-bash"],
        2,
    )
    assert a["running"] == [] and a["connected_at"] and a["last_seen_at"]
    await store.worker_join(Hello("wkr_b", "beta", "box2"))
    [made, _] = await enqueue(store, "q", 2)
    await store.task_claim(ClaimParams(queue="q", worker="alpha"))
    listed = await store.worker_list()
    assert [(w["id"], w["running"]) for w in listed] == [("wkr_a", [made["id"]]), ("wkr_b", [])]
    assert listed[1]["tools"] is None and listed[1]["queues"] == []
    await store.worker_seen("wkr_b", 2_000_000_000.0)
    [b] = [w for w in await store.worker_list() if w["id"] == "wkr_b"]
    assert b["last_seen_at"].startswith("2033-05-18")
    await store.worker_leave("wkr_a")
    await store.worker_leave("wkr_a")  # already gone: nothing
    assert [w["id"] for w in await store.worker_list()] == ["wkr_b"]
    worker_events = [e for e in events if e["topic"] == "worker"]
    assert types(worker_events) == ["worker.joined", "worker.joined", "worker.left"]
    assert worker_events[2]["name"] == "alpha" and worker_events[2]["host"] == "box1"
