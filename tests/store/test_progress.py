"""Progress of a running task (``task_progress``): kept on the task, merged, fenced by the
claim, a heartbeat, announced only when asked, cleared by the next claim."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, Event, FinishParams, Queue, Store
from tests.store.helpers import enqueue, types


async def _running(store: Store, worker: str = "w"):
    [made] = await enqueue(store, "q")
    task = await store.task_claim(ClaimParams(queue="q", worker=worker))
    assert task is not None and task["id"] == made["id"]
    return task


async def test_progress_is_kept_merged_and_beats(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    task = await _running(store)
    assert task["progress"] is None
    events.clear()
    first = await store.task_progress(task["id"], "w", 1, 25, "reading", True)
    assert first["progress"]["percent"] == 25
    assert first["progress"]["message"] == "reading"
    assert first["progress"]["at"] and first["heartbeat_at"]
    # A member not given keeps its value; an unannounced report publishes nothing.
    second = await store.task_progress(task["friendly_id"], None, None, None, "writing", False)
    assert (second["progress"]["percent"], second["progress"]["message"]) == (25, "writing")
    third = await store.task_progress(task["id"], None, None, 62.5, None, False)
    assert (third["progress"]["percent"], third["progress"]["message"]) == (62.5, "writing")
    assert (await store.task_get(task["id"]))["progress"] == third["progress"]
    assert types(events) == ["task.progress"]
    [event] = events
    assert event["id"] == task["id"] and event["worker"] == "w" and event["attempt"] == 1
    assert event["progress"]["percent"] == 25


async def test_progress_refusals_and_a_new_claim_clears_it(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    with pytest.raises(Conflict, match="queued"):
        await store.task_progress(made["id"], None, None, 10, None, True)
    await store.task_claim(ClaimParams(queue="q", worker="a"))
    with pytest.raises(Conflict, match="'a'"):
        await store.task_progress(made["id"], "b", None, 10, None, True)
    with pytest.raises(Conflict, match="attempt 1"):
        await store.task_progress(made["id"], "a", 2, 10, None, True)
    with pytest.raises(NotFound, match="Q-9999"):
        await store.task_progress("Q-9999", None, None, 10, None, True)
    await store.task_progress(made["id"], "a", 1, 40, "half", True)
    await store.task_requeue(made["id"])
    again = await store.task_claim(ClaimParams(queue="q", worker="a"))
    assert again is not None and again["progress"] is None
    await store.task_finish(FinishParams(ref=made["id"], status="succeeded"))
    with pytest.raises(Conflict, match="succeeded"):
        await store.task_progress(made["id"], None, None, 50, None, True)


@pytest.mark.sqlite_only
async def test_sqlite_commits_telemetry_without_fsync_then_goes_back_to_full(
    store: Store, queue: Queue
) -> None:
    task = await _running(store)
    levels: list[int] = []
    conn = store.db._wconn  # the writer's connection: what each commit is synced with
    conn.set_trace_callback(lambda sql: levels.append(sql) if "synchronous" in sql else None)
    await store.task_progress(task["id"], None, None, 5, None, False)
    await store.task_log(task["id"], None, None, "stdout", "x")
    await store.task_heartbeat(task["id"], None)  # not telemetry: a durable commit
    conn.set_trace_callback(None)
    assert levels == [
        "PRAGMA synchronous = NORMAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA synchronous = FULL",
    ]
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
