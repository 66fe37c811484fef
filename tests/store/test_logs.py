"""Live output (``task_log`` / ``task_logs``): numbered per task, paged, fenced by the claim,
announced, capped to the tail, removed with the task."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, Event, FinishParams, Queue, Store
from sparkq_daemon.store.live import LOG_TAIL_BYTES
from tests.store.helpers import enqueue, types


async def _running(store: Store, worker: str = "w"):
    [made] = await enqueue(store, "q")
    task = await store.task_claim(ClaimParams(queue="q", worker=worker))
    assert task is not None and task["id"] == made["id"]
    return task


async def test_lines_are_numbered_paged_and_announced(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    task = await _running(store)
    events.clear()
    first = await store.task_log(task["id"], "w", 1, "stdout", "hello\n")
    assert (first["seq"], first["stream"], first["text"]) == (1, "stdout", "hello\n")
    assert first["at"]
    await store.task_log(task["friendly_id"], None, None, "stderr", "oops\n")
    await store.task_log(task["id"], None, None, "log", "note")
    page = await store.task_logs(task["id"], 0, 2)
    assert [(line["seq"], line["stream"]) for line in page["lines"]] == [
        (1, "stdout"),
        (2, "stderr"),
    ]
    assert page["lines"][0] == first and page["next"] == 2
    rest = await store.task_logs(task["id"], page["next"], 1000)
    assert [line["text"] for line in rest["lines"]] == ["note"] and rest["next"] == 3
    assert await store.task_logs(task["id"], 3, 1000) == {"lines": [], "next": 3}
    assert types(events) == ["task.log"] * 3
    assert events[0]["id"] == task["id"] and events[0]["line"] == first
    # A finished task keeps its output for reading; a deleted one takes it along.
    await store.task_finish(FinishParams(ref=task["id"], status="succeeded"))
    assert len((await store.task_logs(task["id"], 0, 1000))["lines"]) == 3
    await store.task_delete(task["id"])
    with pytest.raises(NotFound):
        await store.task_logs(task["id"], 0, 1000)


async def test_log_refusals(store: Store, queue: Queue, events: list[Event]) -> None:
    [made] = await enqueue(store, "q")
    with pytest.raises(Conflict, match="queued"):
        await store.task_log(made["id"], None, None, "stdout", "x")
    await store.task_claim(ClaimParams(queue="q", worker="a"))
    events.clear()
    with pytest.raises(Conflict, match="'a'"):
        await store.task_log(made["id"], "b", None, "stdout", "x")
    with pytest.raises(Conflict, match="attempt 1"):
        await store.task_log(made["id"], "a", 2, "stdout", "x")
    with pytest.raises(NotFound, match="Q-9999"):
        await store.task_log("Q-9999", None, None, "stdout", "x")
    assert events == [] and (await store.task_logs(made["id"], 0, 10))["lines"] == []


async def test_output_beyond_the_cap_keeps_its_tail(store: Store, queue: Queue) -> None:
    task = await _running(store)
    chunk = 64 * 1024
    n = LOG_TAIL_BYTES // chunk + 4
    for i in range(n):
        await store.task_log(task["id"], None, None, "stdout", str(i % 10) * chunk)
    lines = (await store.task_logs(task["id"], 0, 1000))["lines"]
    kept = sum(len(line["text"]) for line in lines)
    assert LOG_TAIL_BYTES - chunk < kept <= LOG_TAIL_BYTES
    assert lines[-1]["seq"] == n and lines[0]["seq"] > 1  # the oldest went, the newest stayed
    assert [line["seq"] for line in lines] == list(range(lines[0]["seq"], n + 1))
    # Later lines still count from where they were.
    await store.task_log(task["id"], None, None, "stdout", "tail\n")
    assert (await store.task_logs(task["id"], n, 10))["lines"][0]["seq"] == n + 1
