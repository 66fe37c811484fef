"""Watching work in the cockpit, driven under Pilot against a real daemon: a running task's
progress bar (row and detail), its live output in the detail, the Workers view, and each
queue's throughput sparkline with the overdue mark."""

from __future__ import annotations

from textual.widgets import Log, ProgressBar

from sparkq_tui.client import AsyncClient
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.screens.workers_screen import WorkersScreen
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import await_until, wait_on_pilot


async def _running(peer: AsyncClient, worker: str = "w1") -> dict:
    """The newest backend task, claimed by ``worker``."""
    task = await peer.enqueue("backend", "run-bash", {"script": "make watch"})
    claimed = (await peer.call("task.claim", id=task["id"], worker=worker))["task"]
    assert claimed["id"] == task["id"]
    return claimed


async def test_progress_bar_in_the_row_and_the_detail(make_app, seeded, peer) -> None:
    task = await _running(peer)
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_ready(pilot)
        await peer.call("task.progress", id=task["id"], percent=40, message="copying files")
        row = await wait_on_pilot(
            pilot,
            lambda: (
                next((ln for ln in screen_text(app).splitlines() if "make watch" in ln), "")
                if "40%" in screen_text(app)
                else None
            ),
            what="the progress bar in the task's row",
        )
        assert task["friendly_id"] in row and "█" in row
        await pilot.press("enter")  # the newest task is under the cursor
        screen = await wait_on_pilot(
            pilot, lambda: isinstance(app.screen, TaskDetailScreen) and app.screen
        )
        bar = screen.query_one("#detail-progress", ProgressBar)
        assert bar.display and bar.progress == 40
        assert "copying files" in screen_text(app)
        await peer.call("task.progress", id=task["id"], percent=90)
        await wait_on_pilot(pilot, lambda: bar.progress == 90, what="the bar to follow")
        await peer.call("task.complete", id=task["id"])
        await wait_on_pilot(pilot, lambda: not bar.display, what="no bar once finished")


async def test_the_detail_follows_live_output_with_scroll_back(make_app, seeded, peer) -> None:
    task = await _running(peer)
    await peer.call("task.log", id=task["id"], stream="stdout", text="starting\n")
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_ready(pilot)
        app.open_task(task)
        screen = await wait_on_pilot(
            pilot, lambda: isinstance(app.screen, TaskDetailScreen) and app.screen
        )
        await wait_on_pilot(pilot, lambda: "starting" in screen.live_output, what="the backlog")
        for n in range(1, 61):  # printed while the detail is open: events bring them
            await peer.call("task.log", id=task["id"], stream="stdout", text=f"step {n}\n")
        await wait_on_pilot(
            pilot, lambda: "step 60" in screen.live_output, what="lines as they come"
        )
        log = screen.query_one("#detail-live", Log)
        assert log.line_count >= 61 and screen.live_after == 61
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y  # follows the end
        log.scroll_home(animate=False)
        await pilot.pause()
        assert log.scroll_y == 0 and log.lines[0] == "starting"  # scroll back to the start


async def test_workers_view_lists_runners_live(make_app, seeded, peer, daemon) -> None:
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("W")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, WorkersScreen) and app.screen)
        await wait_on_pilot(
            pilot, lambda: "no runners connected" in screen_text(app), what="an empty view"
        )
        async with AsyncClient(daemon.socket) as runner:
            await runner.call(
                "worker.hello",
                name="box-runner",
                queues=["backend"],
                concurrency=4,
                host="box9",
                pid=4242,
            )
            task = await _running(runner, "box-runner")
            text = await wait_on_pilot(
                pilot,
                lambda: screen_text(app) if task["friendly_id"] in screen_text(app) else None,
                what="the runner and its task",
            )
            row = next(ln for ln in text.splitlines() if "box-runner" in ln)
            for cell in ("box9", "4242", "backend", "4"):
                assert cell in row
            assert "ago" in row
        await wait_on_pilot(
            pilot, lambda: "no runners connected" in screen_text(app), what="the runner to leave"
        )
        await pilot.press("escape")
        await wait_on_pilot(pilot, lambda: not isinstance(app.screen, WorkersScreen))


async def test_sparkline_of_completions_and_the_overdue_mark(make_app, seeded, peer) -> None:
    for _ in range(2):
        done = await _running(peer)
        await peer.call("task.complete", id=done["id"])
    await peer.call("task_class.upsert", name="BLINK", timeout=0.05)
    await peer.call("tool.upsert", name="blink", task_class="BLINK")
    flash = await peer.call("queue.create", name="flash", session="work")
    await peer.enqueue("flash", "blink", {})

    async def flash_overdue() -> bool:
        [q] = (await peer.call("queue.throughput", queue="flash", minutes=60))["queues"]
        return bool(q["oldest_queued"] and q["oldest_queued"]["overdue"])

    await await_until(flash_overdue, 5, "the flash queue to be overdue")
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_ready(pilot)
        rows = await wait_on_pilot(pilot, lambda: app.main.throughput.rows, what="sparklines")
        backend = rows[seeded["backend"]["id"]]
        assert list(backend.sparkline.data)[-1] == 2 and len(backend.sparkline.data) == 60
        assert app.main.throughput.overdue() == {flash["id"]}
        text = screen_text(app)
        assert "Done / min" in text and "⏰flash" in text


async def test_updates_reaching_a_closed_detail_are_dropped(make_app, seeded, peer) -> None:
    # A live update in flight when the detail closes (or the cockpit quits) draws nothing.
    task = await _running(peer)
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_ready(pilot)
        app.open_task(task)
        screen = await wait_on_pilot(
            pilot, lambda: isinstance(app.screen, TaskDetailScreen) and app.screen
        )
        await pilot.press("escape")
        await wait_on_pilot(pilot, lambda: not isinstance(app.screen, TaskDetailScreen))
        screen.show_task({**task, "status": "succeeded"})
        screen.add_output([{"seq": 1, "at": task["claimed_at"], "stream": "stdout", "text": "x"}])
        assert screen.task_data["status"] == "succeeded"
        assert app.is_running
