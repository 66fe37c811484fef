"""The catalogue: tools, task classes (and the enqueue that reads them), prompts."""

from __future__ import annotations

import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.errors import Conflict, NotFound, Validation
from sparkq_daemon.store.base import Queue, Store
from tests.store.helpers import enqueue


async def test_the_seeded_catalogue(store: Store) -> None:
    tools = {t["name"]: t for t in store.tools()}
    assert sorted(tools) == sorted(DEFAULT_TOOLS)
    assert tools["run-bash"]["task_class"] == "MEDIUM_SCRIPT"
    assert tools["run-bash"]["timeout"] == DEFAULT_TASK_CLASSES["MEDIUM_SCRIPT"]["timeout"]
    assert tools["run-bash"]["description"] == DEFAULT_TOOLS["run-bash"]["description"]
    classes = {c["name"]: c for c in store.task_classes()}
    assert {n: c["timeout"] for n, c in classes.items()} == {
        n: spec["timeout"] for n, spec in DEFAULT_TASK_CLASSES.items()
    }
    assert [t["name"] for t in store.tools()] == sorted(DEFAULT_TOOLS)  # by name
    assert await store.catalog_seed({"X": {"timeout": 1}}, {}) is False  # seeded already
    assert "X" not in {c["name"] for c in store.task_classes()}


async def test_task_class_upsert_and_delete(store: Store, queue: Queue) -> None:
    made = await store.task_class_upsert("QUICK", 5, "a quick one")
    assert made == {"name": "QUICK", "timeout": 5, "description": "a quick one"}
    assert made in store.task_classes()
    assert (await store.task_class_upsert("QUICK", 9, None))["timeout"] == 9
    [task] = await enqueue(store, "q", task_class="QUICK")
    assert task["timeout"] == 9
    assert await store.task_class_delete("QUICK") == {"deleted": True}
    assert "QUICK" not in {c["name"] for c in store.task_classes()}
    with pytest.raises(NotFound, match="QUICK"):
        await store.task_class_delete("QUICK")


async def test_a_task_class_in_use_by_a_tool_is_not_deleted(store: Store) -> None:
    with pytest.raises(Conflict, match="run-bash"):
        await store.task_class_delete("MEDIUM_SCRIPT")
    assert "MEDIUM_SCRIPT" in {c["name"] for c in store.task_classes()}


async def test_tool_upsert_and_delete(store: Store, queue: Queue) -> None:
    made = await store.tool_upsert("llm-echo", "FAST_SCRIPT", "echoes", ["echo", "{prompt}"])
    assert made == {
        "name": "llm-echo",
        "task_class": "FAST_SCRIPT",
        "description": "echoes",
        "command": ["echo", "{prompt}"],
        "timeout": DEFAULT_TASK_CLASSES["FAST_SCRIPT"]["timeout"],
    }
    assert made in store.tools()
    [task] = await enqueue(store, "q", tool="llm-echo")
    assert (task["task_class"], task["timeout"]) == ("FAST_SCRIPT", 120)
    moved = await store.tool_upsert("llm-echo", "LLM_HEAVY", None, None)
    assert (moved["task_class"], moved["timeout"], moved["command"]) == ("LLM_HEAVY", 1200, None)
    assert await store.tool_delete("llm-echo") == {"deleted": True}
    assert "llm-echo" not in {t["name"] for t in store.tools()}
    with pytest.raises(Validation, match="llm-echo"):
        await enqueue(store, "q", tool="llm-echo")
    with pytest.raises(NotFound, match="llm-echo"):
        await store.tool_delete("llm-echo")


async def test_a_tool_needs_a_known_task_class(store: Store) -> None:
    with pytest.raises(Validation, match="NO_CLASS"):
        await store.tool_upsert("t", "NO_CLASS", None, None)
    assert "t" not in {t["name"] for t in store.tools()}


async def test_prompts_crud(store: Store) -> None:
    assert await store.prompt_list() == []
    made = await store.prompt_create("review", "Review", "Review {x}", None)
    assert (made["command"], made["label"], made["template_text"]) == (
        "review",
        "Review",
        "Review {x}",
    )
    assert made["description"] == ""
    assert await store.prompt_get("review") == made
    with pytest.raises(Conflict, match="review"):
        await store.prompt_create("review", "Again", "t", None)
    await store.prompt_create("ask", "Ask", "Ask {x}", "questions")
    assert [p["command"] for p in await store.prompt_list()] == ["ask", "review"]
    changed = await store.prompt_update("review", {"label": "Check", "template_text": "Check"})
    assert (changed["label"], changed["template_text"]) == ("Check", "Check")
    assert await store.prompt_get("review") == changed
    assert await store.prompt_delete("review") == {"deleted": True}
    assert [p["command"] for p in await store.prompt_list()] == ["ask"]
    for missing in (store.prompt_get, store.prompt_delete):
        with pytest.raises(NotFound, match="review"):
            await missing("review")
    with pytest.raises(NotFound, match="review"):
        await store.prompt_update("review", {"label": "x"})


async def test_tool_upsert_without_description_keeps_it(store: Store) -> None:
    await store.tool_upsert("t", "FAST_SCRIPT", "says hello", None)
    kept = await store.tool_upsert("t", "MEDIUM_SCRIPT", None, ["echo"])
    assert (kept["description"], kept["task_class"]) == ("says hello", "MEDIUM_SCRIPT")
    fresh = await store.tool_upsert("u", "FAST_SCRIPT", None, None)
    assert fresh["description"] == ""
