"""Runners reporting with ``claim_next`` on two daemons of one database: their reports are
combined into shared statements on each daemon, and every task still runs exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from tests.integration.statuses import ZERO_COUNTS
from tests.wire import Wire

pytestmark = pytest.mark.timeout(120)
TASKS = 1200
RUNNERS = 8


def test_racing_claim_next_runners_on_two_daemons_get_each_task_exactly_once(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(a.socket) as w:
        w.call("session.create", name="work")
        w.call("queue.create", name="jobs", session="work")
        enqueued = []
        for start in range(0, TASKS, 200):
            items = [{"tool": "run-bash", "payload": {"n": start + i}} for i in range(200)]
            enqueued += [
                t["id"] for t in w.call("task.enqueue_batch", queue="jobs", tasks=items)["tasks"]
            ]
    ran: list[tuple[str, str]] = []
    errors: list[Any] = []
    lock = threading.Lock()

    def runner(n: int) -> None:
        worker = f"w{n}"
        try:
            with Wire((a, b)[n % 2].socket, timeout=30) as w:
                task = w.call("task.claim", queue="jobs", worker=worker)["task"]
                while task is not None:
                    assert task["worker"] == worker and task["status"] == "running"
                    with lock:
                        ran.append((task["id"], worker))
                    reply = w.call(
                        "task.complete",
                        id=task["id"],
                        worker=worker,
                        attempt=task["attempts"],
                        claim_next={"queue": "jobs"},
                    )
                    assert reply["task"]["status"] == "succeeded"
                    task = reply["next"]
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(RUNNERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors
    ids = [task_id for task_id, _ in ran]
    assert len(ids) == len(set(ids)) == TASKS and set(ids) == set(enqueued)
    assert len(Counter(worker for _, worker in ran)) == RUNNERS
    for daemon in (a, b):
        with Wire(daemon.socket) as w:
            assert w.call("queue.get", queue="jobs")["counts"] == {
                **ZERO_COUNTS,
                "succeeded": TASKS,
            }
    with Wire(b.socket) as w:
        pages = [
            w.call("task.list", queue="jobs", limit=1000, offset=o)["tasks"] for o in (0, 1000)
        ]
    assert Counter(t["attempts"] for page in pages for t in page) == {1: TASKS}
