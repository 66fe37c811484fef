"""Snapshots of the main screen and the task detail, dark and light, at 80×24 and 120×40; of a
task detail with a retry in its timeline and of the Failed view.

The data is put into a real daemon (in this process) at pinned times with pinned ids, and the
cockpit's clock and the time zone are pinned, so a snapshot changes only when the cockpit's
look does. Update with --snapshot-update only
after looking at the new SVGs."""

from __future__ import annotations

import time

import pytest

from sparkq_tui.cockpit.screens.failed_screen import FailedScreen
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import wait_ready
from tests.tui.snapshot_data import SHOWN_SOCKET
from tests.waiting import wait_on_pilot

SIZES = [(80, 24), (120, 40)]
THEMES = ["sparkq-dark", "sparkq-light"]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def ready_for_a_picture(pilot) -> None:
    """Wait for the first page; show a fixed socket path (a test's is in a random folder)."""
    app = await wait_ready(pilot)
    await wait_on_pilot(pilot, lambda: app.main.throughput.rows, what="the queues' throughput")
    app.header_bar.socket_path = SHOWN_SOCKET
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, make_pinned_app, theme, size) -> None:
    app = make_pinned_app(theme)
    assert snap_compare(app, terminal_size=size, run_before=ready_for_a_picture)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_task_detail(snap_compare, make_pinned_app, theme, size) -> None:
    async def open_succeeded_task(pilot) -> None:
        await ready_for_a_picture(pilot)
        await pilot.press(*["down"] * 6, "enter")  # BACKEND-0005
        await wait_on_pilot(pilot, lambda: isinstance(pilot.app.screen, TaskDetailScreen))
        await pilot.pause()

    app = make_pinned_app(theme)
    assert snap_compare(app, terminal_size=size, run_before=open_succeeded_task)


def test_task_detail_with_a_retry_in_its_timeline(snap_compare, make_pinned_app) -> None:
    """BACKEND-0010 failed its first attempt and waits out its backoff: due in 4 minutes,
    attempt 1 of 3, and its timeline says so."""

    async def open_retrying_task(pilot) -> None:
        await ready_for_a_picture(pilot)
        await pilot.press("down", "enter")  # BACKEND-0010
        await wait_on_pilot(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, TaskDetailScreen) and pilot.app.screen.timeline.events
            ),
            what="the detail and its timeline",
        )
        await pilot.pause()

    app = make_pinned_app("sparkq-dark")  # the light theme is covered by the views above
    assert snap_compare(app, terminal_size=(100, 40), run_before=open_retrying_task)


def test_failed_view(snap_compare, make_pinned_app) -> None:
    """The dead letters of every queue: reasons, attempts, errors."""

    async def open_failed_view(pilot) -> None:
        await ready_for_a_picture(pilot)
        await pilot.press("F")
        await wait_on_pilot(pilot, lambda: isinstance(pilot.app.screen, FailedScreen))
        await pilot.press("v")  # every queue's
        screen = pilot.app.screen
        await wait_on_pilot(pilot, lambda: screen.queue is None and screen.loaded, what="all")
        await pilot.pause()

    app = make_pinned_app("sparkq-dark")
    assert snap_compare(app, terminal_size=(100, 24), run_before=open_failed_view)
