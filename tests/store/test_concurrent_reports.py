"""Many concurrent reports and enqueues on one store: each caller gets its own answer, as if
it had been alone (PostgreSQL combines them into shared statements, SQLite into one commit)."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, Event, FinishParams, Queue, Store
from tests.store.helpers import assert_counts_equal_rows, enqueue

RUNNERS = 12


def _largest_batch(store: Store, name: str) -> int | None:
    batcher = getattr(store, name, None)
    return None if batcher is None else batcher.largest


async def test_concurrent_completes_with_claim_next_each_get_their_answer(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    await enqueue(store, "q", 2 * RUNNERS)
    held = [await store.task_claim(ClaimParams(queue="q", worker=f"w{i}")) for i in range(RUNNERS)]
    [blocker] = await enqueue(store, "q", 1)  # a task another depends on, in the same rush
    [dependant] = await enqueue(store, "q", 1, depends_on=(blocker["id"],))
    blocker = await store.task_claim(ClaimParams(id=blocker["id"], worker="wb"))
    assert all(t is not None for t in held) and blocker is not None
    refused_at = RUNNERS // 2  # a report naming the wrong attempt, in the middle of the rush

    def report(i: int, task: dict) -> FinishParams:
        attempt = task["attempts"] + (1 if i == refused_at else 0)
        return FinishParams(ref=task["id"], status="succeeded", worker=f"w{i}", attempt=attempt)

    calls = [
        store.task_finish_and_claim(report(i, t), ClaimParams(queue="q", worker=f"w{i}"))
        for i, t in enumerate(held)
    ]
    calls.append(
        store.task_finish_and_claim(
            FinishParams(ref=blocker["id"], status="succeeded", worker="wb"),
            ClaimParams(queue="q", worker="wb"),
        )
    )
    answers = await asyncio.gather(*calls, return_exceptions=True)

    refusal = answers[refused_at]
    assert isinstance(refusal, Conflict) and "attempt" in refusal.message
    refused_task = await store.task_get(held[refused_at]["id"])
    assert (refused_task["status"], refused_task["worker"]) == ("running", f"w{refused_at}")
    nexts = []
    for i, answer in enumerate(answers):
        if i == refused_at:
            continue
        assert not isinstance(answer, BaseException), answer
        done, following, refusal = answer
        worker = f"w{i}" if i < RUNNERS else "wb"
        finished = held[i] if i < RUNNERS else blocker
        assert (done["id"], done["status"], refusal) == (finished["id"], "succeeded", None)
        assert following is not None
        assert (following["status"], following["worker"]) == ("running", worker)
        assert (await store.task_get(following["id"]))["worker"] == worker
        nexts.append(following["id"])
    assert len(set(nexts)) == len(nexts) == RUNNERS  # no task handed out twice
    assert dependant["id"] not in nexts or (await store.task_get(dependant["id"]))["attempts"] == 1
    counts = (await store.queue_get("q"))["counts"]
    assert counts["succeeded"] == RUNNERS
    assert counts["running"] == RUNNERS + 1  # the nexts and the refused one
    await assert_counts_equal_rows(store)
    completed = {e["id"] for e in events if e["type"] == "task.completed"}
    claimed = [e["id"] for e in events if e["type"] == "task.claimed"]
    assert completed == {t["id"] for i, t in enumerate(held) if i != refused_at} | {blocker["id"]}
    assert set(nexts) <= set(claimed)
    timeline = await store.task_events(held[0]["id"])
    assert [e["type"] for e in timeline] == ["enqueued", "claimed", "succeeded"]
    largest = _largest_batch(store, "reports")
    assert largest is None or largest > 1  # PostgreSQL: the rush shared statements


async def test_concurrent_enqueues_each_get_their_tasks_or_their_refusal(
    store: Store, queue: Queue
) -> None:
    bad_at = 7

    def items(i: int) -> list[EnqueueItem]:
        tool = "no-such-tool" if i == bad_at else "run-bash"
        return [EnqueueItem(tool=tool, payload={"n": i, "k": k}) for k in range(1 + i % 3)]

    answers = await asyncio.gather(
        *(store.task_enqueue("q", items(i)) for i in range(16)), return_exceptions=True
    )
    refusal = answers[bad_at]
    assert isinstance(refusal, Validation) and "no-such-tool" in refusal.message
    ids = []
    for i, answer in enumerate(answers):
        if i == bad_at:
            continue
        assert not isinstance(answer, BaseException), answer
        assert [t["payload"] for t in answer] == [{"n": i, "k": k} for k in range(1 + i % 3)]
        assert all(t["status"] == "queued" for t in answer)
        ids += [t["id"] for t in answer]
    assert len(set(ids)) == len(ids)
    assert (await store.queue_get("q"))["counts"]["queued"] == len(ids)
    await assert_counts_equal_rows(store)
    largest = _largest_batch(store, "enqueues")
    assert largest is None or largest > 1


async def test_a_concurrent_enqueue_into_an_ended_queue_is_refused_alone(
    store: Store, queue: Queue
) -> None:
    await store.queue_create("other", "s", None)
    await store.queue_set_state("other", "ended", "queue.ended")
    answers = await asyncio.gather(
        *(
            store.task_enqueue("other" if i == 3 else "q", [EnqueueItem(tool="run-bash")])
            for i in range(8)
        ),
        return_exceptions=True,
    )
    assert isinstance(answers[3], Conflict) and "ended" in answers[3].message
    assert all(not isinstance(a, BaseException) for i, a in enumerate(answers) if i != 3)
    with pytest.raises(Conflict):
        await store.task_enqueue("other", [EnqueueItem(tool="run-bash")])


async def test_concurrent_plain_completes_each_get_their_answer(store: Store, queue: Queue) -> None:
    await enqueue(store, "q", RUNNERS)
    held = [await store.task_claim(ClaimParams(queue="q", worker=f"w{i}")) for i in range(RUNNERS)]
    intruder_at = 3  # a report from a worker that does not hold the task
    answers = await asyncio.gather(
        *(
            store.task_finish(
                FinishParams(
                    ref=t["id"],
                    status="succeeded",
                    worker="intruder" if i == intruder_at else f"w{i}",
                    result_json=str(i),
                )
            )
            for i, t in enumerate(held)
        ),
        return_exceptions=True,
    )
    refusal = answers[intruder_at]
    assert isinstance(refusal, Conflict) and "intruder" in refusal.message
    for i, answer in enumerate(answers):
        if i != intruder_at:
            assert not isinstance(answer, BaseException), answer
            assert (answer["id"], answer["status"], answer["result"]) == (
                held[i]["id"],
                "succeeded",
                i,
            )
    assert (await store.task_get(held[intruder_at]["id"]))["status"] == "running"
    counts = (await store.queue_get("q"))["counts"]
    assert (counts["succeeded"], counts["running"]) == (RUNNERS - 1, 1)
    await assert_counts_equal_rows(store)
