"""The real daemon (store, methods, socket server) on a thread of this test process.

A test talks to it over its socket like any client, and, being in the same process, can pin
what a subprocess daemon cannot: the time it stamps and the random part of its ids (see
``pin_daemon_time_and_ids``), and run a job such as the stale sweep exactly when it wants."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from sparkq_daemon import clock, ids
from sparkq_daemon.config import Config
from sparkq_daemon.context import Daemon

T = TypeVar("T")
START_TIMEOUT = 15.0


class InProcessDaemon:
    """``start()`` serves ``<folder>/d.sock`` with a fresh ``<folder>/d.db``; ``stop()`` ends it."""

    def __init__(self, folder: Path, config: Config | None = None) -> None:
        self.socket = folder / "d.sock"
        self.db = folder / "d.db"
        self.config = config or Config()
        self.daemon: Daemon | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="in-process daemon", daemon=True)

    def start(self) -> InProcessDaemon:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise AssertionError(f"the in-process daemon did not start in {START_TIMEOUT} s")
        if self._failure is not None:
            raise AssertionError(f"the in-process daemon failed to start: {self._failure!r}")
        return self

    def run(self, job: Callable[[Daemon], Coroutine[Any, Any, T]], timeout: float = 10.0) -> T:
        """Run ``job(daemon)`` on the daemon's loop and return its result."""
        assert self._loop is not None and self.daemon is not None
        return asyncio.run_coroutine_threadsafe(job(self.daemon), self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop is not None and self.daemon is not None:
            self._loop.call_soon_threadsafe(self.daemon.stopping.set)
        self._thread.join(START_TIMEOUT)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by start()
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        from sparkq_daemon import methods  # noqa: F401 - registers the methods
        from sparkq_daemon.main import _open
        from sparkq_daemon.server import Server, prepare_socket_dir

        prepare_socket_dir(self.socket)
        self._loop = asyncio.get_running_loop()
        self.daemon = await _open(self.config, self.socket, self.db)
        server = Server(self.daemon)
        await server.start()
        self._ready.set()
        await self.daemon.stopping.wait()
        await server.close()
        await self.daemon.store.close()


class PinnedClock:
    """The daemon's time, set by the test: ``clock.at(unix_seconds)`` before each call."""

    def __init__(self, ts: float) -> None:
        self.ts = ts

    def at(self, ts: float) -> None:
        self.ts = ts

    def now(self) -> tuple[float, str]:
        return self.ts, clock.iso_from_unix(self.ts)


class CountingSecrets:
    """Stands in for ``secrets`` in the daemon's id maker: 1, 2, 3 … instead of noise."""

    def __init__(self) -> None:
        self.count = 0

    def token_hex(self, nbytes: int) -> str:
        self.count += 1
        return f"{self.count:0{2 * nbytes}x}"


def pin_daemon_time_and_ids(monkeypatch: pytest.MonkeyPatch, start: float) -> PinnedClock:
    """Make every daemon in this process stamp the pinned clock's time and number its ids."""
    pinned = PinnedClock(start)
    monkeypatch.setattr(clock, "now", pinned.now)
    monkeypatch.setattr(ids, "secrets", CountingSecrets())
    return pinned
