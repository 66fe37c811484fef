"""The Time column follows the clock: a queued task's age grows while it waits, even when no
running task is on screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot


class SteppedClock:
    """A clock that stands still until the test moves it on."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now


def _age_of(app, friendly_id: str) -> str | None:
    # ID, Status, Tool, Time, Summary
    found = re.search(rf"{friendly_id}\s+○ queued\s+\S+\s+(\S+)", screen_text(app))
    return found.group(1) if found else None


async def test_age_of_queued_tasks_moves_with_the_clock(make_app, seeded) -> None:
    clock = SteppedClock()
    app = make_app(clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        first = await wait_on_pilot(pilot, lambda: _age_of(app, "BACKEND-0003"))
        assert re.fullmatch(r"\d+s", first), first  # only queued tasks are on screen
        clock.now += timedelta(minutes=10)
        await wait_on_pilot(pilot, lambda: (_age_of(app, "BACKEND-0003") or "").startswith("10m"))
        clock.now += timedelta(hours=2)
        await wait_on_pilot(pilot, lambda: (_age_of(app, "BACKEND-0001") or "").startswith("2h10m"))
