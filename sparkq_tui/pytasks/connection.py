"""The daemon the task API talks to: one ``AsyncClient`` per event loop for the async calls,
and one private loop on a background thread for the sync ones.

The sync calls run their coroutine on that private loop, so they work from a plain script,
from any thread, and even from a thread whose own event loop is running (they block that
loop for the call's duration: there, prefer the async API)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import Coroutine
from typing import Any, TypeVar

from sparkq_tui.client import AsyncClient

T = TypeVar("T")
_settings: dict[str, Any] = {}
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncClient] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()
_background: asyncio.AbstractEventLoop | None = None


def configure(
    *,
    url: str | None = None,
    socket: str | None = None,
    token: str | None = None,
    ca: str | None = None,
    config: str | None = None,
) -> None:
    """Which daemon the task API uses (default: as ``sparkq`` finds it — ``SPARKQ_URL``,
    ``SPARKQ_SOCKET``, sparkq.yml); connections made before are not reused."""
    _settings.clear()
    given = {"url": url, "socket": socket, "token": token, "ca": ca, "config": config}
    _settings.update({k: v for k, v in given.items() if v is not None})
    _clients.clear()


def current_client() -> AsyncClient:
    """The running loop's client (made on first use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        settings = dict(_settings)
        client = AsyncClient(settings.pop("socket", None), **settings)
        _clients[loop] = client
    return client


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the background loop and return its result, from any thread."""
    return asyncio.run_coroutine_threadsafe(coro, _background_loop()).result()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _background
    with _lock:
        if _background is None or _background.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="sparkq-tasks", daemon=True).start()
            atexit.register(_close_background, loop)
            _background = loop
        return _background


def _close_background(loop: asyncio.AbstractEventLoop) -> None:
    """At exit: close the sync calls' connection and stop their loop (no pending-task noise)."""
    if loop.is_closed():
        return
    client = _clients.get(loop)
    if client is not None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(client.close(), loop).result(2)
    loop.call_soon_threadsafe(loop.stop)
