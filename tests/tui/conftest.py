"""Cockpit fixtures: the real app on a real daemon, isolated settings and themes, and a bounded
wait until the cockpit has read its first page (tests/waiting.py is the bounded wait)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sparkq_tui.client import AsyncClient
from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.theme_files import builtin_theme_dir
from tests.daemon_process import DaemonProcess
from tests.inprocess_daemon import InProcessDaemon, pin_daemon_time_and_ids
from tests.tui import snapshot_data
from tests.waiting import wait_on_pilot


@pytest.fixture
def make_app(daemon: DaemonProcess, short_dir: Path) -> Callable[..., SparkQApp]:
    """Build a cockpit on the test daemon with its own settings file and theme folder."""

    def make(**options: Any) -> SparkQApp:
        options.setdefault("socket", daemon.socket)
        options.setdefault("config", daemon.config_path)
        options.setdefault("settings_path", short_dir / "cockpit.json")
        options.setdefault("theme_dirs", [builtin_theme_dir(), short_dir / "themes"])
        return SparkQApp(**options)

    return make


@pytest.fixture
async def peer(daemon: DaemonProcess) -> AsyncIterator[AsyncClient]:
    """A second client, like another terminal, to seed data and to check what the app did."""
    async with AsyncClient(daemon.socket) as client:
        yield client


@pytest.fixture
async def seeded(peer: AsyncClient) -> dict[str, Any]:
    """A session ``work`` with queues ``backend`` (3 tasks) and ``docs`` (1 task)."""
    session = await peer.call("session.create", name="work")
    backend = await peer.call("queue.create", name="backend", session="work")
    docs = await peer.call("queue.create", name="docs", session="work")
    tasks = [
        await peer.enqueue("backend", "llm-haiku", {"prompt": f"backend job {i}"}) for i in range(3)
    ]
    await peer.enqueue("docs", "run-bash", {"script": "make docs"})
    return {"session": session, "backend": backend, "docs": docs, "tasks": tasks}


async def wait_ready(pilot: Any) -> SparkQApp:
    """Wait until the cockpit has read the daemon's state and its first task page."""
    app = pilot.app
    table = app.task_table
    await wait_on_pilot(pilot, lambda: app.ready and table.loaded, 10, "the first task page")
    await pilot.pause()
    return app


@pytest.fixture
def pinned_daemon(short_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessDaemon]:
    """A real daemon in this process, its time and ids pinned, holding the snapshot data."""
    clock = pin_daemon_time_and_ids(monkeypatch, snapshot_data.NOW.timestamp())
    daemon = InProcessDaemon(short_dir).start()
    try:
        snapshot_data.seed(daemon, clock)
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def make_pinned_app(pinned_daemon: InProcessDaemon, short_dir: Path) -> Callable[..., SparkQApp]:
    """Build a cockpit on the pinned daemon, with the pinned clock and no cursor blink."""

    def make(theme: str | None = None, **options: Any) -> SparkQApp:
        settings = short_dir / "cockpit.json"
        settings.write_text(json.dumps({"theme": theme} if theme else {}))
        options.setdefault("theme_dirs", [builtin_theme_dir()])
        app = SparkQApp(
            socket=pinned_daemon.socket,
            start_daemon=False,
            clock=snapshot_data.pinned_clock,
            settings_path=settings,
            **options,
        )
        app.cursor_blink = False  # no blinking cursor in a picture
        return app

    return make
