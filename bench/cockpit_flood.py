"""The cockpit during a flood: the task detail of the task printing 100 000 lines is open
(following its live output) while the other task sends 1 000 progress updates a second. The
screen is asked to repaint 60 times a second; the frames it actually draws per second, and the
longest gap between two frames, say whether the cockpit stays fluid (target ≥ 10 frames/s)."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.daemon_proc import BenchDaemon
from bench.flood import _enqueue
from bench.sizes import Sizes
from bench.stats import Figure, Target
from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.theme_files import builtin_theme_dir

GROUP = "flood"
SIZE = (120, 40)
REPAINT_HZ = 60
MIN_WINDOW = 1.0  # seconds of frames counted at the least
BOUND = 60.0  # seconds: a cockpit that never gets ready is a failure, not a hang


async def _frames_while(app: SparkQApp, runner: subprocess.Popen[str], task: str) -> list[float]:
    """Times (s) of the frames the app drew while ``runner`` ran, the detail of ``task`` open."""
    frames: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.perf_counter() + BOUND
        while not app.ready:
            if time.perf_counter() > deadline:
                raise RuntimeError("the cockpit did not get ready")
            await pilot.pause(0.01)
        app.open_task(await app.client.call("task.get", id=task))
        while not (isinstance(app.screen, TaskDetailScreen) and app.screen.is_mounted):
            await pilot.pause(0.01)
        await pilot.pause()  # drawn once before the count starts
        display = app._display  # each call with a renderable is one frame composed and drawn

        def counted(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                frames.append(time.perf_counter())
            display(screen, renderable)

        app._display = counted  # type: ignore[method-assign]
        # A tick may come while the app closes (no screen left): it then repaints nothing.
        app.set_interval(1 / REPAINT_HZ, lambda: app.screen_stack and app.screen.refresh())
        counting = time.perf_counter()
        # Until the flood ends, and at least MIN_WINDOW (a tiny flood may end before it starts).
        while runner.poll() is None or time.perf_counter() - counting < MIN_WINDOW:
            await pilot.pause(0.05)
    return frames


def cockpit_flood_once(lines: int, rate: int, seconds: float) -> tuple[float, float]:
    """(frames drawn per second, longest gap between frames in ms) during one flood."""
    folder = Path(tempfile.mkdtemp(prefix="sqcf", dir="/tmp"))
    exe = shutil.which("sparkq")
    argv = [exe] if exe else [sys.executable, "-m", "sparkq_tui.cli"]
    try:
        with BenchDaemon() as daemon:
            ids = asyncio.run(_enqueue(str(daemon.socket), lines, rate, seconds))
            env = {**daemon.env(), "SPARKQ_OUTBOX_DIR": str(folder / "outbox")}
            runner = subprocess.Popen(
                [*argv, "runner", "--queue", "flood", "--drain", "--concurrency", "2"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            app = SparkQApp(
                socket=daemon.socket,
                config=daemon.config_path,
                settings_path=folder / "cockpit.json",
                theme_dirs=[builtin_theme_dir()],
            )
            try:
                frames = asyncio.run(_frames_while(app, runner, ids[0]))
            finally:
                runner.wait(120)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if len(frames) < 2:
        raise RuntimeError("the cockpit drew no frames during the flood")
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(frames)]
    return (len(frames) - 1) / (frames[-1] - frames[0]), max(gaps)


def measure(sizes: Sizes) -> list[Figure]:
    fps = Figure(
        "flood.cockpit_fps",
        GROUP,
        "cockpit frames/s during a flood, detail following the output (asked 60/s)",
        "frames/s",
        targets=[Target(10.0, "≥ 10/s")],
    )
    gap = Figure(
        "flood.cockpit_gap",
        GROUP,
        "cockpit: longest gap between two frames during a flood",
        "ms",
        higher_is_better=False,
    )
    for _ in range(sizes.runs):
        rate, longest = cockpit_flood_once(
            sizes.flood_lines, sizes.flood_progress_rate, sizes.flood_seconds
        )
        fps.runs.append(rate)
        gap.runs.append(longest)
    return [fps, gap]
