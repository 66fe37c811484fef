"""Tasks: enqueue, claim, heartbeat, finish, requeue, rerun, get, list, update, delete, peek —
and every refusal of a state change the task is not in."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_daemon.errors import Conflict, NotFound, Validation
from sparkq_daemon.store.base import (
    ClaimParams,
    EnqueueItem,
    FinishParams,
    Queue,
    Store,
    Task,
    TaskFilter,
)
from tests.store.helpers import all_tasks, assert_counts_equal_rows, enqueue


async def claim(store: Store, worker: str = "w", **params) -> Task:
    task = await store.task_claim(ClaimParams(worker=worker, **{"queue": "q", **params}))
    assert task is not None, "a task was expected"
    return task


async def finish(store: Store, ref: str, status: str = "succeeded", **params) -> Task:
    return await store.task_finish(FinishParams(ref=ref, status=status, **params))


# -- enqueue ---------------------------------------------------------------------------------


async def test_enqueue_one_task(store: Store, queue: Queue) -> None:
    [task] = await store.task_enqueue(
        "q", [EnqueueItem(tool="run-bash", payload={"cmd": "ls"}, payload_json='{"cmd":"ls"}')]
    )
    assert task["id"].startswith("tsk_")
    assert (task["queue_id"], task["queue_name"]) == (queue["id"], "q")
    assert (task["tool"], task["task_class"], task["timeout"]) == ("run-bash", "MEDIUM_SCRIPT", 600)
    assert (task["status"], task["priority"], task["attempts"]) == ("queued", 0, 0)
    assert task["payload"] == {"cmd": "ls"}
    for empty in ("worker", "result", "error", "claimed_at", "heartbeat_at", "finished_at"):
        assert task[empty] is None
    assert await store.task_get(task["id"]) == task


async def test_enqueue_class_timeout_and_priority_given(store: Store, queue: Queue) -> None:
    item = EnqueueItem(tool="run-bash", task_class="FAST_SCRIPT", timeout=7.5, priority=3)
    [task] = await store.task_enqueue("q", [item])
    assert (task["task_class"], task["timeout"], task["priority"]) == ("FAST_SCRIPT", 7.5, 3)
    [by_class] = await store.task_enqueue("q", [EnqueueItem(tool="llm-haiku")])
    assert (by_class["task_class"], by_class["timeout"]) == ("LLM_LITE", 480)


async def test_enqueue_a_batch_in_order(store: Store, queue: Queue) -> None:
    items = [EnqueueItem(tool="run-bash", payload=n, payload_json=str(n)) for n in range(5)]
    made = await store.task_enqueue(queue["id"], items)
    assert [t["payload"] for t in made] == list(range(5))
    assert [t["friendly_id"] for t in made] == [f"Q-{n:04d}" for n in range(1, 6)]
    assert len({t["id"] for t in made}) == 5
    assert (await store.queue_get("q"))["counts"]["queued"] == 5


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (EnqueueItem(tool="no-such-tool"), "no-such-tool"),
        (EnqueueItem(tool="run-bash", task_class="NO_CLASS"), "NO_CLASS"),
    ],
)
async def test_a_batch_is_all_or_none(
    store: Store, queue: Queue, bad: EnqueueItem, named: str
) -> None:
    with pytest.raises(Validation, match=named):
        await store.task_enqueue("q", [EnqueueItem(tool="run-bash"), bad])
    assert await all_tasks(store) == []
    assert (await store.queue_get("q"))["counts"]["queued"] == 0
    [task] = await enqueue(store, "q")
    assert task["friendly_id"] == "Q-0001"  # the refused batch used no numbers


@pytest.mark.parametrize(
    ("state", "event"), [("ended", "queue.ended"), ("archived", "queue.archived")]
)
async def test_enqueue_into_a_closed_queue_is_a_conflict(
    store: Store, queue: Queue, state: str, event: str
) -> None:
    await store.queue_set_state("q", state, event)
    with pytest.raises(Conflict, match=state):
        await enqueue(store, "q")
    with pytest.raises(NotFound, match="ghost"):
        await enqueue(store, "ghost")


async def test_friendly_ids_count_per_queue_and_are_never_reused(
    store: Store, queue: Queue
) -> None:
    await store.queue_create("my other.queue", "s", None)
    first = await enqueue(store, "q", 2)
    await store.task_delete(first[1]["id"])
    [third] = await enqueue(store, "q")
    [other] = await enqueue(store, "my other.queue")
    assert [t["friendly_id"] for t in first] == ["Q-0001", "Q-0002"]
    assert third["friendly_id"] == "Q-0003"
    assert other["friendly_id"] == "MY-OTHER-QUEUE-0001"


# -- claim -----------------------------------------------------------------------------------


async def test_claim_takes_priority_then_fifo(store: Store, queue: Queue) -> None:
    low = await enqueue(store, "q", 2, priority=0)
    high = await enqueue(store, "q", 2, priority=5)
    mid = await enqueue(store, "q", 1, priority=1)
    order = [(await claim(store))["id"] for _ in range(5)]
    assert order == [t["id"] for t in high + mid + low]
    assert await store.task_claim(ClaimParams(queue="q", worker="w")) is None


async def test_a_claimed_task_is_running_for_its_worker(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    task = await claim(store, worker="runner-1")
    assert task["id"] == made["id"]
    assert (task["status"], task["worker"], task["attempts"]) == ("running", "runner-1", 1)
    assert task["claimed_at"] is not None
    assert await store.task_get(made["id"]) == task


async def test_claim_by_id_and_its_refusals(store: Store, queue: Queue) -> None:
    first, second = await enqueue(store, "q", 2)
    assert (await claim(store, id=second["friendly_id"], queue=None))["id"] == second["id"]
    with pytest.raises(Conflict, match="running") as refused:
        await store.task_claim(ClaimParams(id=second["id"], worker="other"))
    assert refused.value.data["status"] == "running"
    with pytest.raises(NotFound, match="tsk_ffffff000000"):
        await store.task_claim(ClaimParams(id="tsk_ffffff000000", worker="w"))
    with pytest.raises(Conflict, match="run-python"):
        await store.task_claim(ClaimParams(id=first["id"], worker="w", tools=("run-python",)))
    assert (await store.task_get(first["id"]))["status"] == "queued"


async def test_claim_from_a_paused_queue_gives_none(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    await store.queue_set_paused("q", True)
    assert await store.task_claim(ClaimParams(queue="q", worker="w")) is None
    assert await store.task_claim(ClaimParams(worker="w")) is None
    assert await store.task_peek("q") is None
    await store.queue_set_paused("q", False)
    assert await store.task_peek("q") == made
    assert (await claim(store))["id"] == made["id"]


async def test_claim_from_an_archived_queue_gives_none(store: Store, queue: Queue) -> None:
    await enqueue(store, "q")
    await store.queue_set_state("q", "archived", "queue.archived")
    assert await store.task_claim(ClaimParams(queue="q", worker="w")) is None
    assert await store.task_claim(ClaimParams(worker="w")) is None


async def test_claim_with_a_tools_filter(store: Store, queue: Queue) -> None:
    [bash] = await enqueue(store, "q", tool="run-bash")
    [python] = await enqueue(store, "q", tool="run-python")
    only_python = ClaimParams(queue="q", worker="w", tools=("run-python",))
    assert (await store.task_claim(only_python))["id"] == python["id"]  # type: ignore[index]
    assert await store.task_claim(only_python) is None
    anywhere = ClaimParams(worker="w", tools=("llm-haiku", "run-bash"))
    assert (await store.task_claim(anywhere))["id"] == bash["id"]  # type: ignore[index]


async def test_claim_from_any_queue_takes_the_best_head(store: Store, queue: Queue) -> None:
    await store.queue_create("r", "s", None)
    await store.queue_create("paused", "s", None)
    [old] = await enqueue(store, "q")
    [urgent] = await enqueue(store, "r", priority=9)
    [newer] = await enqueue(store, "r")
    await enqueue(store, "paused", priority=99)
    await store.queue_set_paused("paused", True)
    order = [(await claim(store, queue=None))["id"] for _ in range(3)]
    assert order == [urgent["id"], old["id"], newer["id"]]
    assert await store.task_claim(ClaimParams(worker="w")) is None


async def test_racing_claims_get_each_task_once(store: Store, queue: Queue) -> None:
    made = await enqueue(store, "q", 5)
    got = await asyncio.gather(
        *(store.task_claim(ClaimParams(queue="q", worker=f"w{n}")) for n in range(12))
    )
    tasks = [t for t in got if t is not None]
    assert sorted(t["id"] for t in tasks) == sorted(t["id"] for t in made)
    assert len({t["worker"] for t in tasks}) == 5
    await assert_counts_equal_rows(store)


async def test_an_ended_queue_still_drains_when_named(store: Store, queue: Queue) -> None:
    """Ending a queue stops new work coming in, not the work already in it; a claim from any
    queue takes only from open ones."""
    [made] = await enqueue(store, "q")
    await store.queue_set_state("q", "ended", "queue.ended")
    assert await store.task_claim(ClaimParams(worker="w")) is None
    assert await store.task_peek("q") == made
    assert (await claim(store))["id"] == made["id"]


# -- heartbeat, finish -----------------------------------------------------------------------


async def test_heartbeat_and_its_refusals(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    with pytest.raises(Conflict, match="queued"):
        await store.task_heartbeat(made["id"], None)
    await claim(store, worker="a")
    beat = await store.task_heartbeat(made["id"], "a")
    assert beat["heartbeat_at"] is not None and beat["status"] == "running"
    assert (await store.task_heartbeat(made["friendly_id"], None))["worker"] == "a"
    with pytest.raises(Conflict, match="'a'"):
        await store.task_heartbeat(made["id"], "b")
    with pytest.raises(NotFound, match="Q-9999"):
        await store.task_heartbeat("Q-9999", None)


@pytest.mark.parametrize("status", ["succeeded", "failed"])
async def test_finish_a_running_task(store: Store, queue: Queue, status: str) -> None:
    [made] = await enqueue(store, "q")
    await claim(store)
    done = await finish(
        store,
        made["id"],
        status,
        result_json='{"ok": 1}' if status == "succeeded" else None,
        error="boom" if status == "failed" else None,
        stdout="out",
        stderr="err",
        worker="w",
    )
    assert done["status"] == status
    assert done["finished_at"] is not None
    assert (done["stdout"], done["stderr"]) == ("out", "err")
    if status == "succeeded":
        assert (done["result"], done["error"]) == ({"ok": 1}, None)
    else:
        assert (done["result"], done["error"]) == (None, "boom")
    assert await store.task_get(made["id"]) == done
    await assert_counts_equal_rows(store)


async def test_finish_is_guarded_by_status_and_worker(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    with pytest.raises(Conflict, match="queued") as refused:
        await finish(store, made["id"])
    assert refused.value.data["status"] == "queued"
    await claim(store, worker="a")
    with pytest.raises(Conflict, match="'a'"):
        await finish(store, made["id"], worker="b")
    await finish(store, made["id"], "failed", error="x", worker="a")
    for status in ("succeeded", "failed"):
        with pytest.raises(Conflict, match="failed"):
            await finish(store, made["id"], status)
    with pytest.raises(NotFound, match="ghost"):
        await finish(store, "ghost")
    assert (await store.queue_get("q"))["counts"]["failed"] == 1


# -- requeue, rerun --------------------------------------------------------------------------


@pytest.mark.parametrize("ended", ["running", "succeeded", "failed"])
async def test_requeue_puts_a_task_back(store: Store, queue: Queue, ended: str) -> None:
    [made] = await enqueue(store, "q")
    await claim(store)
    if ended != "running":
        await finish(store, made["id"], ended, result_json="1", error="e")
    back = await store.task_requeue(made["friendly_id"])
    assert back["status"] == "queued"
    for cleared in ("worker", "claimed_at", "finished_at", "result", "error"):
        assert back[cleared] is None
    # v2: a finished task gets all its attempts again; a running one gives its claim back
    # (it does not count), while its lease keeps counting claims
    assert (back["attempts"], back["lease"]) == (0, 1)
    again = await claim(store)
    assert (again["attempts"], again["lease"]) == (1, 2)
    await assert_counts_equal_rows(store)


async def test_requeue_refusals(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    with pytest.raises(Conflict, match="already queued"):
        await store.task_requeue(made["id"])
    with pytest.raises(NotFound, match="ghost"):
        await store.task_requeue("ghost")


async def test_requeue_by_a_worker_only_of_its_own_running_task(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    await claim(store, worker="a")
    with pytest.raises(Conflict, match="'a'"):
        await store.task_requeue(made["id"], worker="b")
    assert (await store.task_requeue(made["id"], worker="a"))["status"] == "queued"
    with pytest.raises(Conflict, match="queued"):
        await store.task_requeue(made["id"], worker="a")
    await claim(store, worker="a")
    await finish(store, made["id"], "failed", error="x")
    with pytest.raises(Conflict, match="failed"):
        await store.task_requeue(made["id"], worker="a")  # claimed again since, or finished


async def test_rerun_makes_a_new_task_with_the_same_work(store: Store, queue: Queue) -> None:
    [made] = await store.task_enqueue(
        "q", [EnqueueItem(tool="run-python", payload=[1], payload_json="[1]", priority=4)]
    )
    await claim(store)
    await finish(store, made["id"], "failed", error="x")
    again = await store.task_rerun(made["friendly_id"])
    assert again["id"] != made["id"]
    assert again["friendly_id"] == "Q-0002"
    assert again["status"] == "queued"
    same = ("queue_id", "tool", "task_class", "payload", "priority", "timeout")
    assert {k: again[k] for k in same} == {k: made[k] for k in same}
    assert (await store.task_get(made["id"]))["status"] == "failed"
    with pytest.raises(NotFound, match="ghost"):
        await store.task_rerun("ghost")
    await store.queue_set_state("q", "ended", "queue.ended")
    with pytest.raises(Conflict, match="ended"):
        await store.task_rerun(made["id"])


# -- get, list -------------------------------------------------------------------------------


async def test_get_by_id_or_friendly_id(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    assert await store.task_get(made["id"]) == made
    assert await store.task_get("Q-0001") == made
    assert await store.task_get("q-0001") == made  # friendly ids in any case
    for ghost in ("Q-0002", "tsk_1000000", "nothing"):
        with pytest.raises(NotFound, match=ghost):
            await store.task_get(ghost)


async def test_list_filters(store: Store, queue: Queue) -> None:
    await store.session_create("t", None)
    await store.queue_create("r", "t", None)
    bash = await enqueue(store, "q", 2, tool="run-bash")
    [py] = await store.task_enqueue(
        "q", [EnqueueItem(tool="run-python", payload="needle_50%", payload_json='"needle_50%"')]
    )
    [other] = await enqueue(store, "r")
    await claim(store, queue="r")

    async def ids(**where) -> list[str]:
        return [t["id"] for t in await all_tasks(store, TaskFilter(**where))]

    assert await ids() == [other["id"], py["id"], bash[1]["id"], bash[0]["id"]]  # newest first
    assert await ids(queue="q") == [py["id"], bash[1]["id"], bash[0]["id"]]
    assert await ids(session="t") == [other["id"]]
    assert await ids(session="t", queue="q") == []
    assert await ids(statuses=("running",)) == [other["id"]]
    assert await ids(statuses=("running", "queued"), queue="r") == [other["id"]]
    assert await ids(tool="run-python") == [py["id"]]
    assert await ids(search="needle_50%") == [py["id"]]
    assert await ids(search="needle_5%") == []  # the search is literal: % is no wildcard
    assert await ids(search="Q-0002") == [bash[1]["id"]]
    for missing in ({"queue": "ghost"}, {"session": "ghost"}):
        with pytest.raises(NotFound, match="ghost"):
            await store.task_list(TaskFilter(**missing), 10, 0)


async def test_list_pages_and_totals(store: Store, queue: Queue) -> None:
    made = await enqueue(store, "q", 7)
    page = await store.task_list(TaskFilter(queue="q"), 3, 0)
    assert [t["id"] for t in page["tasks"]] == [t["id"] for t in made[::-1][:3]]
    assert (page["total"], page["limit_applied"], page["truncated"]) == (7, 3, True)
    last = await store.task_list(TaskFilter(queue="q"), 3, 6)
    assert [t["id"] for t in last["tasks"]] == [made[0]["id"]]
    assert last["truncated"] is False
    searched = await store.task_list(TaskFilter(search="Q-000"), 2, 0)
    assert (searched["total"], len(searched["tasks"]), searched["truncated"]) == (7, 2, True)
    capped = await store.task_list(TaskFilter(), 10**6, 0)
    assert capped["limit_applied"] == capped["max_limit"] >= 1
    assert len(capped["tasks"]) == 7 and capped["truncated"] is False


# -- update, delete --------------------------------------------------------------------------


async def test_update_a_queued_task(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    changed = await store.task_update(
        made["id"], {"payload_json": '{"a": 2}', "priority": 7, "timeout": 30}
    )
    assert (changed["payload"], changed["priority"], changed["timeout"]) == ({"a": 2}, 7, 30)
    retooled = await store.task_update(made["friendly_id"], {"tool": "llm-sonnet"})
    assert (retooled["tool"], retooled["task_class"]) == ("llm-sonnet", "LLM_HEAVY")
    assert retooled["timeout"] == 1200  # from the new tool's class unless given
    assert await store.task_get(made["id"]) == retooled
    with pytest.raises(Validation, match="nope"):
        await store.task_update(made["id"], {"tool": "nope"})
    assert (await store.task_get(made["id"]))["tool"] == "llm-sonnet"


async def test_update_only_a_queued_task(store: Store, queue: Queue) -> None:
    [made] = await enqueue(store, "q")
    await claim(store)
    with pytest.raises(Conflict, match="running"):
        await store.task_update(made["id"], {"priority": 1})
    with pytest.raises(NotFound, match="ghost"):
        await store.task_update("ghost", {"priority": 1})


@pytest.mark.parametrize("status", ["queued", "running", "succeeded"])
async def test_delete_a_task_in_any_status(store: Store, queue: Queue, status: str) -> None:
    [made] = await enqueue(store, "q")
    if status != "queued":
        await claim(store)
    if status == "succeeded":
        await finish(store, made["id"])
    assert await store.task_delete(made["friendly_id"]) == {"deleted": True}
    with pytest.raises(NotFound):
        await store.task_get(made["id"])
    with pytest.raises(NotFound):
        await store.task_delete(made["id"])
    await assert_counts_equal_rows(store)


async def test_peek_shows_what_a_claim_would_take(store: Store, queue: Queue) -> None:
    assert await store.task_peek("q") is None
    await enqueue(store, "q")
    [urgent] = await enqueue(store, "q", priority=2)
    assert await store.task_peek("q") == urgent
    assert (await store.task_get(urgent["id"]))["status"] == "queued"
    assert (await claim(store))["id"] == urgent["id"]
    with pytest.raises(NotFound, match="ghost"):
        await store.task_peek("ghost")
