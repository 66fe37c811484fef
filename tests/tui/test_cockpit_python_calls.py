"""python-call tasks read as calls in the cockpit: ``resize(path='a.png', width=100)`` in the
task row, and the call with its module, the result and the traceback in the detail."""

from __future__ import annotations

from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.widgets.task_table import TaskTable
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot

TRACE = 'Traceback (most recent call last):\n  File "images.py", line 7, in resize\n'


async def test_python_calls_show_as_calls_with_result_and_traceback(make_app, peer) -> None:
    await peer.call("session.create", name="work")
    await peer.call("queue.create", name="img", session="work")
    call = {"function": "images:resize", "args": [], "kwargs": {"path": "a.png", "width": 100}}
    done = await peer.enqueue("img", "python-call", call)
    failing = {"function": "images:resize", "args": ["b.png"], "kwargs": {"width": -1}}
    failed = await peer.enqueue("img", "python-call", failing)
    await peer.call("task.claim", id=done["id"], worker="w")
    await peer.call("task.complete", id=done["id"], worker="w", result={"size": [100, 80]})
    await peer.call("task.claim", id=failed["id"], worker="w")
    error = f"ValueError: width -1\n\n{TRACE}ValueError: width -1"
    await peer.call("task.fail", id=failed["id"], worker="w", error=error)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        await wait_on_pilot(pilot, lambda: table.total == 2)
        text = screen_text(app)
        assert "resize(path='a.png', width=100)" in text
        assert "resize('b.png', width=-1)" in text
        table.focus()
        await pilot.press("enter")  # the newest first: the failed call
        screen = await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        assert screen
        text = screen_text(app)
        assert "images:resize('b.png', width=-1)" in text
        assert "ValueError: width -1" in text and 'File "images.py", line 7, in resize' in text
        await pilot.press("escape")
        await pilot.press("down", "enter")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        text = screen_text(app)
        assert "images:resize(path='a.png', width=100)" in text and '"size": [' in text
