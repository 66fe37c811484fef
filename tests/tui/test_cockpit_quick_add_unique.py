"""Quick-add with a unique key (``#key text``) under Pilot against a real daemon: the first
enqueue makes the task with that key; a second one while it is live enqueues nothing, and the
toast names the task that holds the key."""

from __future__ import annotations

from typing import Any

from sparkq_tui.cockpit.widgets.quick_add_bar import QuickAddBar
from tests.tui.conftest import wait_ready
from tests.waiting import wait_on_pilot


def toasts(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_quick_add_with_a_key_says_when_it_is_a_duplicate(make_app, seeded, peer) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        bar = app.query_one(QuickAddBar)
        await pilot.press("a")
        bar.input.value = "#nightly-report !make report"
        await pilot.press("enter")
        made = await wait_on_pilot(
            pilot, lambda: next((t for t in toasts(app) if "enqueued" in t), None)
        )
        listing = (await peer.call("task.list", queue="backend", limit=100))["tasks"]
        [keyed] = [t for t in listing if t.get("unique_key") == "nightly-report"]
        assert keyed["payload"] == {"script": "make report"} and keyed["tool"] == "run-bash"
        assert made == f"{keyed['friendly_id']} enqueued (run-bash)"
        assert bar.input.value == ""

        bar.input.value = "#nightly-report !make report again"
        await pilot.press("enter")
        said = f"not enqueued: {keyed['friendly_id']} holds key nightly-report"
        await wait_on_pilot(pilot, lambda: said in toasts(app), what="the duplicate toast")
        after = (await peer.call("task.list", queue="backend", limit=100))["total"]
        assert after == len(listing)  # nothing new
        assert sum("enqueued (" in t for t in toasts(app)) == 1
