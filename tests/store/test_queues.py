"""Queues: create, list, get, update, end / archive / unarchive, pause / resume, delete."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, Queue, Store
from tests.store.helpers import STATUSES, assert_counts_equal_rows, enqueue

ZERO = dict.fromkeys(STATUSES, 0)


async def test_create_returns_an_idle_open_queue(store: Store) -> None:
    session = await store.session_create("s", None)
    made = await store.queue_create("q", "s", "do it well")
    assert made["id"].startswith("que_")
    assert made["session_id"] == session["id"]
    assert (made["name"], made["instructions"], made["status"]) == ("q", "do it well", "idle")
    assert made["paused"] is False
    assert made["counts"] == ZERO
    assert await store.queue_get(made["id"]) == made
    assert await store.queue_get("q") == made
    assert (await store.queue_create("r", session["id"], None))["instructions"] == ""


async def test_create_refusals(store: Store) -> None:
    with pytest.raises(NotFound, match="ghost"):
        await store.queue_create("q", "ghost", None)
    await store.session_create("s", None)
    await store.session_create("t", None)
    await store.queue_create("q", "s", None)
    with pytest.raises(Conflict, match="'q'"):
        await store.queue_create("q", "t", None)  # names are unique across sessions
    with pytest.raises(NotFound, match="ghost"):
        await store.queue_get("ghost")


async def test_status_follows_the_tasks(store: Store, queue: Queue) -> None:
    assert (await store.queue_get("q"))["status"] == "idle"
    await enqueue(store, "q", 2)
    assert (await store.queue_get("q"))["status"] == "planned"
    task = await store.task_claim(ClaimParams(queue="q", worker="w"))
    assert task is not None
    assert (await store.queue_get("q"))["status"] == "active"
    assert (await store.queue_get("q"))["counts"] == {**ZERO, "queued": 1, "running": 1}


async def test_list_by_session_status_and_archived(store: Store) -> None:
    await store.session_create("s", None)
    await store.session_create("t", None)
    for name in ("a", "b", "c"):
        await store.queue_create(name, "s", None)
    await store.queue_create("elsewhere", "t", None)
    await enqueue(store, "b")
    await store.queue_set_state("c", "archived", "queue.archived")

    async def names(session=None, status=None, include_archived=False) -> list[str]:
        return [q["name"] for q in await store.queue_list(session, status, include_archived)]

    assert await names() == ["a", "b", "elsewhere"]
    assert await names(include_archived=True) == ["a", "b", "c", "elsewhere"]
    assert await names(session="s") == ["a", "b"]
    assert await names(session="s", include_archived=True) == ["a", "b", "c"]
    assert await names(status="planned") == ["b"]
    assert await names(status="idle") == ["a", "elsewhere"]
    assert await names(status="archived") == ["c"]  # asking for archived ones shows them
    with pytest.raises(NotFound, match="ghost"):
        await store.queue_list("ghost", None, False)


async def test_update_renames_and_changes_instructions(store: Store, queue: Queue) -> None:
    [task] = await enqueue(store, "q")
    renamed = await store.queue_update("q", "renamed", None)
    assert (renamed["id"], renamed["name"], renamed["instructions"]) == (queue["id"], "renamed", "")
    assert (await store.queue_update(queue["id"], None, "new"))["instructions"] == "new"
    assert (await store.queue_get("renamed"))["name"] == "renamed"
    with pytest.raises(NotFound):
        await store.queue_get("q")
    assert (await store.task_get(task["id"]))["queue_name"] == "renamed"
    assert (await store.queue_update("renamed", "renamed", None))["name"] == "renamed"
    await store.queue_create("other", "s", None)
    with pytest.raises(Conflict, match="other"):
        await store.queue_update("renamed", "other", None)
    with pytest.raises(NotFound, match="ghost"):
        await store.queue_update("ghost", "x", None)


async def test_end_archive_and_unarchive(store: Store, queue: Queue) -> None:
    assert (await store.queue_set_state("q", "ended", "queue.ended"))["status"] == "ended"
    assert (await store.queue_set_state("q", "archived", "queue.archived"))["status"] == "archived"
    unarchived = await store.queue_set_state("q", None, "queue.unarchived")
    assert unarchived["status"] == "idle"
    with pytest.raises(Conflict, match="not archived"):
        await store.queue_set_state("q", None, "queue.unarchived")
    with pytest.raises(NotFound, match="ghost"):
        await store.queue_set_state("ghost", "ended", "queue.ended")


async def test_pause_and_resume(store: Store, queue: Queue) -> None:
    paused = await store.queue_set_paused("q", True)
    assert paused["paused"] is True
    assert (await store.queue_get("q"))["paused"] is True
    assert (await store.queue_set_paused("q", False))["paused"] is False
    with pytest.raises(NotFound, match="ghost"):
        await store.queue_set_paused("ghost", True)


@pytest.mark.parametrize(
    ("state", "event"), [("ended", "queue.ended"), ("archived", "queue.archived")]
)
@pytest.mark.parametrize("paused", [True, False])
async def test_pause_and_resume_refuse_a_closed_queue(
    store: Store, queue: Queue, state: str, event: str, paused: bool
) -> None:
    await store.queue_set_state("q", state, event)
    with pytest.raises(Conflict, match=f"'q' is {state}") as refused:
        await store.queue_set_paused("q", paused)
    assert refused.value.data["status"] == state
    assert (await store.queue_get("q"))["paused"] is False


async def test_delete_takes_its_tasks(store: Store, queue: Queue) -> None:
    await store.queue_create("stays", "s", None)
    gone = await enqueue(store, "q", 3)
    await store.task_claim(ClaimParams(queue="q", worker="w"))
    [kept] = await enqueue(store, "stays")
    assert await store.queue_delete("q") == {"deleted": True}
    with pytest.raises(NotFound):
        await store.queue_get("q")
    for task in gone:
        with pytest.raises(NotFound):
            await store.task_get(task["id"])
    assert (await store.task_get(kept["id"]))["queue_name"] == "stays"
    stats = await store.stats()
    assert (stats["queues"], sum(stats["tasks"].values())) == (1, 1)
    await assert_counts_equal_rows(store)
    with pytest.raises(NotFound, match="'q'"):
        await store.queue_delete("q")
