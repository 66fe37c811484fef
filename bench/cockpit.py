"""The cockpit (``SparkQApp`` under ``App.run_test``) against a real daemon: time from building
the app to its first full frame (state read, first task page shown), empty and on a 10 000-task
queue, and the jump to the last row of that queue."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection
from bench.sizes import Sizes
from bench.sparkq_socket import ITEM, create_queue, fill
from bench.stats import Figure, Target
from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.theme_files import builtin_theme_dir

GROUP = "cockpit"
SIZE = (120, 40)
BOUND = 60.0  # seconds: a frame that never comes is a failure, not a hang


async def _until(pilot: Any, condition: Any) -> None:
    deadline = time.perf_counter() + BOUND
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("the cockpit did not get there in time")
        await pilot.pause(0.002)


async def _seed(path: str, tasks: int) -> None:
    conn = await RpcConnection.open(path)
    await create_queue(conn, "work")
    if tasks >= 1000:
        await fill(conn, tasks, "work")
    else:
        for _ in range(tasks):
            await conn.call("task.enqueue", {"queue": "work", **ITEM})
    await conn.close()


async def _session(daemon: BenchDaemon, folder: Path, jump: bool) -> tuple[float, float | None]:
    """(seconds to first full frame, seconds from pressing End to the last row shown)."""
    start = time.perf_counter()
    app = SparkQApp(
        socket=daemon.socket,
        config=daemon.config_path,
        settings_path=folder / "cockpit.json",
        theme_dirs=[builtin_theme_dir(), folder / "themes"],
    )
    async with app.run_test(size=SIZE) as pilot:
        table = app.task_table
        await _until(pilot, lambda: app.ready and table.loaded and table.visible_tasks())
        await pilot.pause()
        first_frame = time.perf_counter() - start
        jumped = None
        if jump:
            start = time.perf_counter()
            await pilot.press("end")
            last = table.total - 1
            await _until(pilot, lambda: table.cursor_row == last and table.current_task)
            await pilot.pause()
            jumped = time.perf_counter() - start
    return first_frame, jumped


def measure(sizes: Sizes) -> list[Figure]:
    small = Figure(
        "cockpit.start",
        GROUP,
        "start-up to first full frame (3 tasks)",
        "ms",
        higher_is_better=False,
        targets=[Target(500, "≤ 500")],
    )
    label = f"{sizes.cockpit_tasks:,}".replace(",", " ")
    big = Figure(
        "cockpit.start_big",
        GROUP,
        f"start-up to first full frame ({label}-task queue)",
        "ms",
        higher_is_better=False,
        targets=[Target(500, "≤ 500")],
    )
    jump = Figure(
        "cockpit.jump_end",
        GROUP,
        f"End: jump to the last of {label} tasks, shown",
        "ms",
        higher_is_better=False,
    )
    folder = Path(tempfile.mkdtemp(prefix="sqbc", dir="/tmp"))
    try:
        for tasks, figure in ((3, small), (sizes.cockpit_tasks, big)):
            with BenchDaemon() as daemon:
                asyncio.run(_seed(daemon.socket, tasks))
                for _ in range(sizes.runs):
                    first, jumped = asyncio.run(_session(daemon, folder, figure is big))
                    figure.runs.append(first * 1000)
                    if jumped is not None:
                        jump.runs.append(jumped * 1000)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [small, big, jump]
