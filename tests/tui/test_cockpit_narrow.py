"""The cockpit at 80×24: the footer keeps help and quit in view, and the help screen fits
the width and says when there is more below."""

from __future__ import annotations

import re

from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.cockpit.screens.help_screen import HELP_TEXT, HelpScreen
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot

NARROW = (80, 24)


def _footer(app: SparkQApp) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


async def test_footer_keeps_help_and_quit_at_80_columns(make_pinned_app) -> None:
    app = make_pinned_app(theme_dirs=[])
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(pilot)
        for pane, shown in (
            # The theme key is the first to give way (LEAVE_OUT_FIRST) in the busiest pane.
            ("tasks", ("c Claim", "/ Filter", "F Failed")),
            ("queues", ("n New queue", "p Pause/resume", "t Theme")),
            ("sessions", ("n New session", "t Theme")),
        ):
            if pane != "tasks":
                await pilot.press("shift+tab")
            await wait_on_pilot(pilot, lambda shown=shown: shown[0] in _footer(app))
            footer = _footer(app)
            for key in (*shown, "a Add", "? Help", "q Quit"):
                assert key in footer, (pane, footer)
        await pilot.press("tab", "tab", "enter")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await wait_on_pilot(pilot, lambda: "esc Back" in _footer(app))
        assert "? Help" in _footer(app) and "q Quit" in _footer(app)
        await pilot.resize_terminal(120, 40)  # wide again: every key, the palette too
        await wait_on_pilot(pilot, lambda: "^p palette" in _footer(app))
        assert "/ Filter" in _footer(app) and "t Theme" in _footer(app)


async def test_help_fits_80_columns_and_says_it_scrolls(make_pinned_app) -> None:
    app = make_pinned_app(theme_dirs=[])
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(pilot)
        await pilot.press("question_mark")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_on_pilot(pilot, lambda: "more below" in screen_text(app))
        pages = [screen_text(app)]
        assert "esc / backspace" not in pages[0]
        while "more below" in pages[-1]:  # page down to the end, keeping every page seen
            assert len(pages) < 10, "the help never reached its end"
            await pilot.press("pagedown")
            await wait_on_pilot(pilot, lambda seen=pages[-1]: screen_text(app) != seen)
            pages.append(screen_text(app))
        assert "esc / backspace" in pages[-1] and "esc closes" in pages[-1]
        # Every line of the help is shown whole (none wraps at 80 columns).
        for line in HELP_TEXT.splitlines():
            plain = re.sub(r"\[/?b\]", "", line).strip()
            assert any(plain in page for page in pages), plain
