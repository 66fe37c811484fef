"""The Tasks cursor stays on its task (not on its row number) when other terminals change the
list, so a key pressed after a live refresh acts on the task the user picked."""

from __future__ import annotations

from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.cockpit.widgets.task_table import PAGE_SIZE, TaskTable
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot


async def _status(peer: AsyncClient, task_id: str) -> str:
    return (await peer.call("task.get", id=task_id))["status"]


async def _wait_status(pilot: Any, peer: AsyncClient, task_id: str, status: str) -> None:
    async def reached() -> bool:
        return await _status(peer, task_id) == status

    await wait_on_pilot(pilot, reached, 5.0, f"task {task_id} to become {status}")


def _cursor_line(app: Any, table: TaskTable) -> str:
    """The text of the highlighted row as drawn on screen."""
    return table.render_line(table.cursor_row - int(table.scroll_y) + 1).text


async def test_cursor_follows_its_task_when_another_client_enqueues(make_app, seeded, peer) -> None:
    tasks = seeded["tasks"]  # BACKEND-0001..0003, listed newest first
    for task in tasks:  # all running, so completing the wrong one would succeed and show
        await peer.call("task.claim", id=task["id"], worker="w")
    picked = tasks[1]  # BACKEND-0002, the second row
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        await wait_on_pilot(pilot, lambda: screen_text(app).count("running") >= 3)
        await pilot.press("down")
        assert table.cursor_row == 1
        assert table.current_task["id"] == picked["id"]

        newcomer = await peer.enqueue("backend", "llm-haiku", {"prompt": "from elsewhere"})
        await wait_on_pilot(
            pilot, lambda: table.total == 4 and newcomer["friendly_id"] in screen_text(app)
        )
        await pilot.pause()

        assert table.current_task["id"] == picked["id"]
        assert table.cursor_row == 2  # the row moved down with its task
        assert picked["friendly_id"] in _cursor_line(app, table)

        await pilot.press("d")
        await wait_on_pilot(pilot, lambda: "result" in screen_text(app))
        await pilot.press("enter")
        await _wait_status(pilot, peer, picked["id"], "succeeded")
        assert await _status(peer, tasks[0]["id"]) == "running"
        assert await _status(peer, tasks[2]["id"]) == "running"
        assert await _status(peer, newcomer["id"]) == "queued"


async def test_cursor_keeps_its_row_when_its_task_is_deleted(make_app, seeded, peer) -> None:
    tasks = seeded["tasks"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        await pilot.press("down")
        assert table.current_task["id"] == tasks[1]["id"]

        await peer.call("task.delete", id=tasks[1]["id"])
        await wait_on_pilot(pilot, lambda: table.total == 2 and table.current_task is not None)
        assert table.cursor_row == 1
        assert table.current_task["id"] == tasks[0]["id"]

        await peer.call("task.delete", id=tasks[0]["id"])  # the last row: clamped to the list
        await wait_on_pilot(pilot, lambda: table.total == 1 and table.current_task is not None)
        assert table.cursor_row == 0
        assert table.current_task["id"] == tasks[2]["id"]


async def test_cursor_follows_its_task_across_a_page_boundary(make_app, peer) -> None:
    await peer.call("session.create", name="big")
    await peer.call("queue.create", name="bulk", session="big")
    batch = [{"tool": "llm-haiku", "payload": {"prompt": f"item {i}"}} for i in range(250)]
    await peer.call("task.enqueue_batch", queue="bulk", tasks=batch)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        await pilot.press("home")
        for _ in range(PAGE_SIZE - 1):  # onto the last row of the first page
            table.action_cursor_down()
        await wait_on_pilot(pilot, lambda: table.current_task is not None)
        picked = table.current_task
        assert table.cursor_row == PAGE_SIZE - 1
        top = int(table.scroll_y)
        assert top > 0

        await peer.enqueue("bulk", "llm-haiku", {"prompt": "from elsewhere"})
        await wait_on_pilot(pilot, lambda: table.total == 251 and table.cursor_row == PAGE_SIZE)
        await wait_on_pilot(pilot, lambda: table.current_task is not None)
        assert table.current_task["id"] == picked["id"]
        assert int(table.scroll_y) == top + 1  # the view moved with the task
        assert picked["friendly_id"] in _cursor_line(app, table)
