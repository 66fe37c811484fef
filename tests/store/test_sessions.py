"""Sessions: create, list, get, end, delete, and their refusals."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import Store
from tests.store.helpers import assert_counts_equal_rows, enqueue


async def test_create_returns_an_active_session(store: Store) -> None:
    made = await store.session_create("alpha", "first")
    assert made["id"].startswith("ses_")
    assert (made["name"], made["description"], made["status"]) == ("alpha", "first", "active")
    assert made["ended_at"] is None
    assert made["created_at"] and made["updated_at"]


async def test_create_without_description_stores_an_empty_one(store: Store) -> None:
    assert (await store.session_create("alpha", None))["description"] == ""


async def test_duplicate_name_is_a_conflict_naming_it(store: Store) -> None:
    await store.session_create("alpha", None)
    with pytest.raises(Conflict, match="alpha"):
        await store.session_create("alpha", None)
    assert len(await store.session_list(None)) == 1


async def test_get_by_id_and_by_name(store: Store) -> None:
    made = await store.session_create("alpha", None)
    assert await store.session_get(made["id"]) == made
    assert await store.session_get("alpha") == made
    with pytest.raises(NotFound, match="ghost"):
        await store.session_get("ghost")


async def test_list_in_creation_order_filtered_by_status(store: Store) -> None:
    for name in ("a", "b", "c"):
        await store.session_create(name, None)
    await store.session_end("b")
    assert [s["name"] for s in await store.session_list(None)] == ["a", "b", "c"]
    assert [s["name"] for s in await store.session_list("active")] == ["a", "c"]
    assert [s["name"] for s in await store.session_list("ended")] == ["b"]


async def test_end_ends_the_session_and_its_open_queues(store: Store) -> None:
    await store.session_create("s", None)
    await store.queue_create("open", "s", None)
    await store.queue_create("kept", "s", None)
    await store.queue_set_state("kept", "archived", "queue.archived")
    ended = await store.session_end("s")
    assert ended["status"] == "ended"
    assert ended["ended_at"] is not None
    assert (await store.queue_get("open"))["status"] == "ended"
    assert (await store.queue_get("kept"))["status"] == "archived"
    assert (await store.session_end("s"))["ended_at"] == ended["ended_at"]  # already ended
    with pytest.raises(Conflict, match="s"):
        await store.queue_create("late", "s", None)
    with pytest.raises(NotFound, match="ghost"):
        await store.session_end("ghost")


async def test_delete_takes_its_queues_and_tasks(store: Store) -> None:
    await store.session_create("s", None)
    await store.session_create("other", None)
    await store.queue_create("q1", "s", None)
    await store.queue_create("q2", "s", None)
    await store.queue_create("stays", "other", None)
    gone = await enqueue(store, "q1", 3) + await enqueue(store, "q2", 2)
    kept = await enqueue(store, "stays", 1)
    assert await store.session_delete("s") == {"deleted": True}
    with pytest.raises(NotFound):
        await store.session_get("s")
    for name in ("q1", "q2"):
        with pytest.raises(NotFound):
            await store.queue_get(name)
    for task in gone:
        with pytest.raises(NotFound):
            await store.task_get(task["id"])
    assert (await store.task_get(kept[0]["id"]))["status"] == "queued"
    stats = await store.stats()
    assert (stats["sessions"], stats["queues"], stats["tasks"]["queued"]) == (1, 1, 1)
    await assert_counts_equal_rows(store)
    with pytest.raises(NotFound, match="s"):
        await store.session_delete("s")
