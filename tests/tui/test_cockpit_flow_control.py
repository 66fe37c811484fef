"""Flow control in the cockpit, driven with keys under Pilot against a real daemon: a queue
row says why a claim on it would wait, and the Schedules view (``S``) lists schedules with
their next run and pauses, resumes, runs and deletes them."""

from __future__ import annotations

from sparkq_tui.cockpit.screens.schedules_screen import SchedulesScreen
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.tui.test_cockpit_flows import toasts
from tests.waiting import wait_on_pilot


def _row(text: str, name: str) -> str:
    """The screen line of the queue ``name`` (the Queues pane)."""
    return next((line for line in text.splitlines() if f"│ {name} " in line), "")


async def test_queue_rows_show_limits_and_the_schedules_view_works(make_app, seeded, peer) -> None:
    await peer.call("queue.update", queue="backend", concurrency=2)
    for _ in range(2):
        assert (await peer.call("task.claim", queue="backend"))["task"] is not None
    await peer.call("queue.update", queue="docs", rate_limit={"limit": 1, "per": 60})
    assert (await peer.call("task.claim", queue="docs"))["task"] is not None
    await peer.call("queue.create", name="ops", session="work")
    await peer.call("queue.pause", queue="ops")
    for name, timing in (("nightly", {"cron": "0 3 * * *"}), ("tick", {"every": 3600})):
        await peer.call(
            "schedule.create",
            name=name,
            queue="backend",
            tool="run-bash",
            payload={"script": "true"},
            **timing,
        )
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_ready(pilot)

        def rows_drawn() -> bool:
            text = screen_text(app)
            return all(_row(text, n) for n in ("backend", "docs", "ops"))

        await wait_on_pilot(pilot, rows_drawn, 5, "the three queue rows")
        text = screen_text(app)
        assert "▮▮ 2/2" in _row(text, "backend")
        assert "rate 5" in _row(text, "docs")  # its next slot in 59.x s
        assert "⏸ paused" in _row(text, "ops")
        await peer.call("queue.update", queue="backend", concurrency=3)  # an event redraws it
        await wait_on_pilot(
            pilot, lambda: "▮▮▯ 2/3" in _row(screen_text(app), "backend"), 5, "the raised limit"
        )

        await pilot.press("S")
        screen = await wait_on_pilot(
            pilot,
            lambda: isinstance(app.screen, SchedulesScreen) and app.screen.loaded,
            5,
            "the Schedules view",
        )
        assert screen
        text = screen_text(app)
        assert "nightly" in text and "tick" in text and "0 3 * * *" in text
        assert "every 3600s" in text and " in " in text  # the next run and how far off
        assert app.screen.selected["name"] == "nightly"

        await pilot.press("p")
        await wait_on_pilot(pilot, lambda: "⏸ paused" in screen_text(app), 5, "paused")
        assert (await peer.call("schedule.get", schedule="nightly"))["enabled"] is False
        await pilot.press("p")
        await wait_on_pilot(pilot, lambda: "⏸ paused" not in screen_text(app), 5, "resumed")
        assert (await peer.call("schedule.get", schedule="nightly"))["enabled"] is True

        await pilot.press("r")
        await wait_on_pilot(
            pilot,
            lambda: any("ran: BACKEND-0004" in t for t in toasts(app)),
            5,
            "the run-now toast",
        )
        made = (await peer.call("task.get", id="BACKEND-0004"))["schedule_id"]
        assert made == app.screen.selected["id"]

        await pilot.press("down", "x")
        await wait_on_pilot(pilot, lambda: "Delete schedule tick?" in screen_text(app), 5)
        await pilot.press("y")
        await wait_on_pilot(
            pilot, lambda: "every 3600s" not in screen_text(app), 5, "the deleted row to go"
        )
        names = [s["name"] for s in (await peer.call("schedule.list"))["schedules"]]
        assert names == ["nightly"]
        await pilot.press("escape")
        assert not isinstance(app.screen, SchedulesScreen)
