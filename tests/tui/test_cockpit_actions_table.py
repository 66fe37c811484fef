"""Every row of the action table works everywhere the table says: its key runs it in each pane
or screen it applies to, the footer names it where it should, the command palette offers it
(and running the entry runs the action), and the help screen lists it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from sparkq_tui.cockpit.actions import ACTIONS, Action, Scope, help_lines, palette_actions
from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.cockpit.screens.failed_screen import FailedScreen
from sparkq_tui.cockpit.screens.help_screen import HelpScreen
from sparkq_tui.cockpit.screens.schedules_screen import SchedulesScreen
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot

SIZE = (160, 60)  # room for every footer key and the whole help screen
BOUND = [a for a in ACTIONS if not a.native]


def _words(text: str) -> str:
    return " ".join(text.split())


def _record_actions(app: SparkQApp) -> list[str]:
    """Replace every action the table names by a recorder: a key press is then seen to reach
    its action without the action doing anything (no quit, no dialog, no daemon call)."""
    ran: list[str] = []

    def recorder(name: str) -> Callable[..., None]:
        return lambda *args: ran.append(name)

    for action in ACTIONS:
        setattr(app, f"action_{action.method}", recorder(action.method))
    return ran


def _pane(app: SparkQApp, scope: Scope) -> Widget:
    return {
        "everywhere": app.task_table,
        "tasks": app.task_table,
        "queues": app.queue_list,
        "sessions": app.session_list,
    }[scope]


def _footer(app: SparkQApp) -> str:
    """The bottom line of the screen ("" until the screen has been drawn)."""
    lines = screen_text(app).rstrip("\n").splitlines()
    return lines[-1] if lines else ""


async def _footer_names(pilot: Any, app: SparkQApp, scope: Scope) -> None:
    """Wait until the footer (redrawn after a focus change) names every action the table
    shows there."""
    labels = [a.label for a in BOUND if scope in a.where and a.shown_in(scope)]
    assert labels, scope
    await wait_on_pilot(
        pilot,
        lambda: all(label in _footer(app) for label in labels),
        3.0,
        f"the footer in {scope} to name {labels}",
    )


async def _press_and_see(pilot: Any, ran: list[str], action: Action, where: str) -> None:
    for key in action.keys:
        ran.clear()
        await pilot.press(key)
        await wait_on_pilot(
            pilot, lambda: action.method in ran, 3.0, f"{key} to run {action.action} in {where}"
        )


async def test_every_action_by_key_footer_palette_and_help(make_pinned_app) -> None:
    app = make_pinned_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        # The help screen lists every row, native ones too (opened before the recorders).
        await pilot.press("question_mark")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        shown = _words(screen_text(app))
        for action in ACTIONS:
            for line in help_lines(action):
                assert _words(line) in shown, (action.title, line)
        await pilot.press("escape")
        await wait_on_pilot(pilot, lambda: not isinstance(app.screen, HelpScreen), what="close")

        ran = _record_actions(app)
        # The panes: each key runs its action there; the footer shows those meant to be seen.
        for scope in ("tasks", "queues", "sessions"):
            pane = _pane(app, scope)
            pane.focus()
            await wait_on_pilot(pilot, lambda pane=pane: app.focused is pane, what=scope)
            await _footer_names(pilot, app, scope)
            for action in BOUND:
                if scope in action.where or "everywhere" in action.where:
                    await _press_and_see(pilot, ran, action, scope)

        # The task detail: its own keys, the task keys and the keys of everywhere.
        app.push_screen(TaskDetailScreen(app.task_table.current_task, clock=app.clock))
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen), what="detail")
        await _footer_names(pilot, app, "detail")
        for action in BOUND:
            if "detail" in action.where or "everywhere" in action.where:
                await _press_and_see(pilot, ran, action, "the task detail")

        # The Failed view: its own keys and the keys of everywhere.
        app.pop_screen()
        app.push_screen(FailedScreen(None))
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, FailedScreen), what="failed")
        await _footer_names(pilot, app, "failed")
        for action in BOUND:
            if "failed" in action.where or "everywhere" in action.where:
                await _press_and_see(pilot, ran, action, "the Failed view")
        # The Schedules view: its own keys and the keys of everywhere.
        app.pop_screen()
        app.push_screen(SchedulesScreen(clock=app.clock))
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, SchedulesScreen), what="view")
        await _footer_names(pilot, app, "schedules")
        for action in BOUND:
            if "schedules" in action.where or "everywhere" in action.where:
                await _press_and_see(pilot, ran, action, "the schedules view")

        # The command palette: one entry per action, which runs that action.
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        offered = palette_actions()
        assert offered, "the palette offers nothing"
        for action in offered:
            assert action.title in commands, action.title
            ran.clear()
            app.call_later(commands[action.title].callback)  # as the palette runs it
            await wait_on_pilot(
                pilot, lambda action=action: action.method in ran, 3.0, f"palette {action.title}"
            )
        # Rows left out of the palette are the ones it has no use for, each for a reason.
        left_out = {a.method for a in ACTIONS if a not in offered}
        # (The schedules view's keys act on its cursor row: no use outside it.)
        assert left_out == {
            "focus_next",
            "command_palette",
            "quit",
            "pop_screen",
            "cursor_up",
            "toggle_schedule",
            "run_schedule",
            "delete_schedule",
        }
