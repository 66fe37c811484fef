"""Snapshots of the main screen and the task detail, dark and light, at 80×24 and 120×40.

The data comes from a fixed stand-in for the daemon and the clock and time zone are pinned,
so a snapshot changes only when the cockpit's look does. Update with --snapshot-update only
after looking at the new SVGs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.theme_files import builtin_theme_dir
from tests.tui.conftest import wait_ready
from tests.tui.fake_daemon import FakeDaemonClient, pinned_clock
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


def snapshot_app(folder: Path, theme: str) -> SparkQApp:
    settings = folder / "cockpit.json"
    settings.write_text(json.dumps({"theme": theme}))
    app = SparkQApp(
        client=FakeDaemonClient(),
        clock=pinned_clock,
        settings_path=settings,
        theme_dirs=[builtin_theme_dir()],
    )
    app.cursor_blink = False  # no blinking cursor in a picture
    return app


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, short_dir, theme, size) -> None:
    assert snap_compare(snapshot_app(short_dir, theme), terminal_size=size, run_before=wait_ready)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_task_detail(snap_compare, short_dir, theme, size) -> None:
    async def open_succeeded_task(pilot) -> None:
        await wait_ready(pilot)
        await pilot.press("down", "down", "down", "down", "enter")  # BACKEND-0005
        await wait_on_pilot(pilot, lambda: isinstance(pilot.app.screen, TaskDetailScreen))
        await pilot.pause()

    app = snapshot_app(short_dir, theme)
    assert snap_compare(app, terminal_size=size, run_before=open_succeeded_task)
