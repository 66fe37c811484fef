"""The cockpit's time-and-failure views driven by keys under Pilot against a real daemon: due
times and attempts in the table, the Failed view and its redrive, cancel, the timeline."""

from __future__ import annotations

import re
from typing import Any

from sparkq_tui.cockpit.screens.confirm_dialog import ConfirmDialog
from sparkq_tui.cockpit.screens.failed_screen import FailedScreen
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot


async def _failed_task(peer: Any, queue: str, script: str) -> dict[str, Any]:
    """A task of ``queue`` out of attempts: claimed once and failed."""
    task = await peer.call("task.enqueue", queue=queue, tool="run-bash", payload={"script": script})
    await peer.call("task.claim", id=task["id"], worker="w1")
    return await peer.call("task.fail", id=task["id"], error=f"{script}: exit 1", worker="w1")


async def _status(peer: Any, task_id: str) -> str:
    return (await peer.call("task.get", id=task_id))["status"]


async def test_due_times_attempts_failed_view_redrive_and_timeline(make_app, peer) -> None:
    await peer.call("session.create", name="work")
    for name in ("backend", "docs"):
        await peer.call("queue.create", name=name, session="work")
    dead = [await _failed_task(peer, "backend", f"job {i}") for i in range(2)]
    elsewhere = await _failed_task(peer, "docs", "make docs")
    later = await peer.call(
        "task.enqueue", queue="backend", tool="run-bash", payload={"script": "later"}, delay=600
    )
    retrying = await peer.call(
        "task.enqueue",
        queue="backend",
        tool="run-bash",
        payload={"script": "flaky"},
        max_attempts=3,
        backoff={"type": "fixed", "delay": 3000, "jitter": 0},
    )
    await peer.call("task.claim", id=retrying["id"], worker="w1")
    retrying = await peer.call("task.fail", id=retrying["id"], error="flaky", worker="w1")
    assert retrying["status"] == "scheduled" and later["status"] == "scheduled"

    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_ready(pilot)
        text = screen_text(app)
        # The table: when scheduled tasks are due, and attempts of a task that may retry.
        flaky = next(line for line in text.splitlines() if "flaky" in line)
        assert re.search(r"1/3 .*in (49|50)m", flaky), flaky
        assert re.search(r"◷ scheduled .*in (9|10)m", text), text

        # The Failed view: the selected queue's dead letters, with reason and error.
        await pilot.press("F")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, FailedScreen))
        screen = app.screen
        await wait_on_pilot(pilot, lambda: screen.loaded, what="the failed tasks")
        assert {t["id"] for t in screen.tasks} == {t["id"] for t in dead}
        text = screen_text(app)
        assert "Failed · queue backend" in text and "job 1: exit 1" in text and "error" in text

        # v: every queue's; v again: the selected queue's.
        await pilot.press("v")
        await wait_on_pilot(pilot, lambda: screen.loaded and screen.total == 3, what="all")
        assert elsewhere["id"] in {t["id"] for t in screen.tasks}
        await pilot.press("v")
        await wait_on_pilot(pilot, lambda: screen.loaded and screen.total == 2, what="one")

        # Enter opens a failed task; its timeline tells what happened.
        await pilot.press("enter")
        await wait_on_pilot(
            pilot,
            lambda: isinstance(app.screen, TaskDetailScreen) and app.screen.timeline.events,
            what="the detail's timeline",
        )
        shown = app.screen.task_id
        assert [e["type"] for e in app.screen.timeline.events] == ["enqueued", "claimed", "failed"]
        text = screen_text(app)
        assert "Timeline" in text and re.search(r"failed\s+attempt 1 · w1 · reason error", text)
        await pilot.press("escape")
        await wait_on_pilot(pilot, lambda: app.screen is screen, what="back to the Failed view")

        # R asks first, naming how many; n keeps them failed, y redrives the queue.
        await pilot.press("R")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
        assert "Requeue 2 failed tasks of queue backend?" in screen_text(app)
        await pilot.press("n")
        assert await _status(peer, dead[0]["id"]) == "failed"
        await pilot.press("R")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
        await pilot.press("y")

        async def redriven() -> bool:
            return all([await _status(peer, t["id"]) == "queued" for t in dead])

        await wait_on_pilot(pilot, redriven, 5.0, "the failed tasks requeued")
        assert await _status(peer, elsewhere["id"]) == "failed"  # another queue's: not shown
        await wait_on_pilot(pilot, lambda: screen.loaded and screen.total == 0, what="empty")
        assert "No failed tasks." in screen_text(app)

        # The timeline of a redriven task ends with its requeue (the detail reads it live).
        app.open_task(await peer.call("task.get", id=shown))
        await wait_on_pilot(
            pilot,
            lambda: (
                isinstance(app.screen, TaskDetailScreen)
                and (app.screen.timeline.events or [{}])[-1].get("type") == "requeued"
            ),
            what="the requeue in the timeline",
        )


async def test_cancel_asks_first_from_the_table_and_the_detail(make_app, peer) -> None:
    await peer.call("session.create", name="work")
    await peer.call("queue.create", name="backend", session="work")
    first = await peer.enqueue("backend", "run-bash", {"script": "one"})
    second = await peer.enqueue("backend", "run-bash", {"script": "two"})
    await peer.call("task.claim", id=second["id"], worker="w1")

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.task_table
        assert table.current_task["id"] == second["id"]  # newest first: the running one
        await pilot.press("C")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
        assert "Cancel task BACKEND-0002 (running)?" in screen_text(app)
        await pilot.press("n")
        assert await _status(peer, second["id"]) == "running"
        await pilot.press("C")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
        await pilot.press("y")

        async def cancelled(task_id: str) -> bool:
            return await _status(peer, task_id) == "cancelled"

        await wait_on_pilot(pilot, lambda: cancelled(second["id"]), 5.0, "the running cancelled")
        await wait_on_pilot(pilot, lambda: "⊘ cancelled" in screen_text(app), what="shown")

        # From the detail of the queued one; a second cancel is refused with the daemon's word.
        await pilot.press("down", "enter")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        assert app.screen.task_id == first["id"]
        await pilot.press("C")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
        await pilot.press("y")
        await wait_on_pilot(pilot, lambda: cancelled(first["id"]), 5.0, "the queued cancelled")
        await wait_on_pilot(
            pilot,
            lambda: [e.get("type") for e in app.screen.timeline.events or []][-1:] == ["cancelled"],
            what="the cancel in the timeline",
        )
        await pilot.press("C")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
        await pilot.press("y")
        await wait_on_pilot(
            pilot,
            lambda: (
                any("cancelled" in str(n.message) for n in app._notifications)
                and any("only a queued" in str(n.message) for n in app._notifications)
            ),
            what="the refusal",
        )
