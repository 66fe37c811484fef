"""Agent roles, and the role and model profile a queue or a task names."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, Queue, Store
from tests.store.helpers import enqueue, types

REVIEWER = {
    "label": "Reviewer",
    "description": "reviews",
    "prompt": "You review code.",
    "active": True,
}


async def test_role_upsert_list_get_and_delete(store: Store, events: list) -> None:
    made = await store.role_upsert("reviewer", "Reviewer", "reviews", "You review code.", True)
    assert {k: made[k] for k in REVIEWER} == REVIEWER
    assert made["key"] == "reviewer" and made["updated_at"]
    await store.role_upsert("author", "Author", "", "You write.", False)
    assert [r["key"] for r in await store.role_list()] == ["author", "reviewer"]  # by key
    changed = await store.role_upsert("reviewer", "Critic", "", "Be strict.", False)
    assert (changed["label"], changed["prompt"], changed["active"]) == (
        "Critic",
        "Be strict.",
        False,
    )
    assert (await store.role_get("reviewer"))["label"] == "Critic"
    assert await store.role_delete("reviewer") == {"deleted": True}
    with pytest.raises(NotFound, match="reviewer"):
        await store.role_get("reviewer")
    with pytest.raises(NotFound, match="reviewer"):
        await store.role_delete("reviewer")
    assert "role.upserted" in types(events) and "role.deleted" in types(events)


async def test_a_queue_names_a_role_and_a_model_profile(store: Store) -> None:
    await store.role_upsert("reviewer", "Reviewer", "", "You review.", True)
    await store.session_create("s", None)
    made = await store.queue_create("q", "s", "Be brief.", "reviewer", "fast")
    assert (made["role"], made["model_profile"]) == ("reviewer", "fast")
    plain = await store.queue_create("p", "s", None)
    assert (plain["role"], plain["model_profile"]) == (None, None)
    kept = await store.queue_update("q", None, "Be briefer.", None, None)  # None keeps
    assert (kept["role"], kept["model_profile"], kept["instructions"]) == (
        "reviewer",
        "fast",
        "Be briefer.",
    )
    with pytest.raises(Conflict, match="q"):  # a queue names it
        await store.role_delete("reviewer")
    cleared = await store.queue_update("q", None, None, "", "deep")  # "" clears
    assert (cleared["role"], cleared["model_profile"]) == (None, "deep")
    assert (await store.queue_get("q"))["model_profile"] == "deep"
    listed = {q["name"]: q for q in await store.queue_list(None, None, False)}
    assert (listed["q"]["role"], listed["q"]["model_profile"]) == (None, "deep")
    assert await store.role_delete("reviewer") == {"deleted": True}


async def test_a_task_keeps_its_role(store: Store, queue: Queue) -> None:
    [task, *_] = await enqueue(store, "q", 2, role="reviewer")
    assert task["role"] == "reviewer"
    assert (await store.task_get(task["id"]))["role"] == "reviewer"
    [plain] = await enqueue(store, "q")
    assert (await store.task_get(plain["id"]))["role"] is None
    again = await store.task_rerun(task["id"])
    assert again["role"] == "reviewer"
    claimed = await store.task_claim(ClaimParams(queue="q"))
    assert claimed is not None and claimed["role"] == "reviewer"


async def test_config_sync_adds_changes_and_removes_roles(store: Store) -> None:
    added = await store.config_sync({"roles.reviewer": REVIEWER})
    assert [a["key"] for a in added["applied"]] == ["roles.reviewer"]
    assert (await store.role_get("reviewer"))["prompt"] == "You review code."
    changed = await store.config_sync({"roles.reviewer": {**REVIEWER, "prompt": "Be strict."}})
    assert changed["applied"][0]["new"]["prompt"] == "Be strict."
    await store.role_upsert("reviewer", "Mine", "", "My own prompt.", True)  # over the protocol
    kept = await store.config_sync({"roles.reviewer": {**REVIEWER, "prompt": "File again."}})
    assert [k["key"] for k in kept["kept"]] == ["roles.reviewer"]
    assert (await store.role_get("reviewer"))["prompt"] == "My own prompt."
    await store.role_upsert("author", "Author", "", "You write.", True)
    author = {"label": "Author", "description": "", "prompt": "You write.", "active": True}
    await store.config_sync({"roles.author": author})  # the same: now on record
    removed = await store.config_sync({"roles.reviewer": {**REVIEWER, "prompt": "File again."}})
    assert [a["key"] for a in removed["applied"]] == ["roles.author"]
    assert [r["key"] for r in await store.role_list()] == ["reviewer"]
