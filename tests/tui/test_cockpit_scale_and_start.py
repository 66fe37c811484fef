"""The cockpit on a 10 000-task queue, and the embedded daemon it starts when none answers."""

from __future__ import annotations

import time

import yaml

from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.cockpit.widgets.task_table import PAGE_SIZE, TaskTable
from sparkq_tui.daemon_control import default_log_file, ping, stop
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot

TASKS = 10_000


async def test_ten_thousand_tasks_page_scroll_and_filter(make_app, peer) -> None:
    await peer.call("session.create", name="big")
    await peer.call("queue.create", name="bulk", session="big")
    for start in range(0, TASKS, 1000):
        batch = [
            {"tool": "llm-haiku", "payload": {"prompt": f"item {i}"}}
            for i in range(start, start + 1000)
        ]
        await peer.call("task.enqueue_batch", queue="bulk", tasks=batch)
    await peer.claim("bulk", worker="w")

    app = make_app()
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        opened = time.perf_counter() - started
        table = app.query_one(TaskTable)
        assert table.total == TASKS
        # Only the page on screen was fetched, not 10 000 rows.
        assert table.held_rows == PAGE_SIZE
        assert "item 9999" in screen_text(app)

        moved = time.perf_counter()
        await pilot.press("end")
        await wait_on_pilot(pilot, lambda: table.current_task is not None)
        assert table.current_task["friendly_id"] == "BULK-0001"
        await wait_on_pilot(pilot, lambda: "item 0" in screen_text(app))
        to_the_end = time.perf_counter() - moved
        assert table.held_pages <= 2

        await pilot.press("slash")
        filtered = time.perf_counter()
        app.query_one("#task-filter").value = "status:running"  # as if pasted
        await wait_on_pilot(pilot, lambda: table.loaded and table.total == 1)
        filtering = time.perf_counter() - filtered
        print(f"open {opened:.2f}s, end of 10k {to_the_end:.2f}s, filter {filtering:.2f}s")
        # Generous bounds for a shared 2-core machine: a frozen UI would take far longer.
        assert opened < 5 and to_the_end < 3 and filtering < 3


async def test_starts_a_background_daemon_when_none_answers(short_dir, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(short_dir / "state"))
    socket = short_dir / "e.sock"
    config = short_dir / "sparkq.yml"
    config.write_text(yaml.safe_dump({"database": {"path": str(short_dir / "e.db")}}))
    assert ping(socket) is None
    app = SparkQApp(
        socket=socket,
        config=config,
        settings_path=short_dir / "cockpit.json",
        theme_dirs=[],
    )
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_ready(pilot)
            assert app.started_daemon
            assert ping(socket) is not None
            messages = [str(n.message) for n in app._notifications]
            assert any("started one in the background" in m for m in messages)
            assert any(str(default_log_file(socket)) in m for m in messages)
            assert default_log_file(socket).name.startswith("daemon-e-")
            assert "connected" in screen_text(app)
    finally:
        stop(socket)
