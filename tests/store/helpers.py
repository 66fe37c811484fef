"""Helpers of the store conformance suite, written against the Store protocol only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sparkq_daemon.store.base import EnqueueItem, Event, Store, Task, TaskFilter

STATUSES = (
    "queued",
    "scheduled",
    "blocked",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)


def types(events: list[Event]) -> list[str]:
    return [e["type"] for e in events]


async def enqueue(store: Store, queue: str, n: int = 1, **item: Any) -> list[Task]:
    """Enqueue ``n`` tasks of ``run-bash`` (or ``item["tool"]``) into ``queue``."""
    item.setdefault("tool", "run-bash")
    return await store.task_enqueue(queue, [EnqueueItem(**item) for _ in range(n)])


async def barrier(store: Store) -> None:
    """A write: once it is acknowledged, every store call begun before it has been applied
    (a waiting claim begun before it is registered as waiting)."""
    await store.settings_seed({"tests": {"barrier": True}})


async def all_tasks(store: Store, where: TaskFilter | None = None) -> list[Task]:
    """Every task matching ``where``, page by page (newest first)."""
    found: list[Task] = []
    while True:
        page = await store.task_list(where or TaskFilter(), 1000, len(found))
        found += page["tasks"]
        if len(page["tasks"]) < page["limit_applied"]:
            return found


async def assert_counts_equal_rows(store: Store) -> None:
    """Every queue's ``counts`` and ``stats()`` equal a recount of the rows ``task_list``
    returns; ``task_list``'s ``total`` agrees too."""
    rows = await all_tasks(store)
    recount = Counter((t["queue_id"], t["status"]) for t in rows)
    queues = await store.queue_list(None, None, include_archived=True)
    for queue in queues:
        counted = (await store.queue_get(queue["id"]))["counts"]
        real = {s: recount[(queue["id"], s)] for s in STATUSES}
        assert counted == real, f"queue {queue['name']}: counts {counted}, rows {real}"
    assert {t["queue_id"] for t in rows} <= {q["id"] for q in queues}, "a task without a queue"
    stats = await store.stats()
    by_status = Counter(t["status"] for t in rows)
    assert stats["tasks"] == {s: by_status[s] for s in STATUSES}
    assert stats["queues"] == len(queues)
    assert (await store.task_list(TaskFilter(), 1, 0))["total"] == len(rows)
