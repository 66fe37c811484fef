"""worker.hello and worker.list: the runners connected now. A worker is its connection: it
joins with ``worker.hello`` and leaves when the connection closes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import weakref
from typing import Any

from sparkq_daemon.context import Context, Peer
from sparkq_daemon.errors import Validation
from sparkq_daemon.ids import new_id
from sparkq_daemon.registry import rpc
from sparkq_daemon.store.base import Store
from sparkq_daemon.store.live import Hello
from sparkq_daemon.validation import optional, required, show

log = logging.getLogger("sparkq.workers")
SEEN_EVERY = 10.0  # seconds between writes of a busy connection's last_seen_at
MAX_TEXT = 200

# The worker id of each connection that said hello, and the watchers that end them.
_IDS: weakref.WeakKeyDictionary[Peer, str] = weakref.WeakKeyDictionary()
_WATCHERS: set[asyncio.Task[None]] = set()


def _strings(value: list[Any] | None, field: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    for item in value:
        if not isinstance(item, str) or not item or len(item) > MAX_TEXT:
            raise Validation(f"{field} must hold names, not {show(item)}", field=field)
    return tuple(value)


def _text(value: str | None, field: str) -> str | None:
    if value is not None and (not value.strip() or len(value) > MAX_TEXT):
        raise Validation(f"{field} {show(value)} must be 1–{MAX_TEXT} characters", field=field)
    return value


@rpc(
    "worker.hello",
    name=required("str"),
    queues=optional("list"),
    tools=optional("list"),
    concurrency=optional("int", min=1),
    host=optional("str"),
    pid=optional("int", min=1),
)
async def hello(
    ctx: Context,
    name: str,
    queues: list[Any] | None = None,
    tools: list[Any] | None = None,
    concurrency: int | None = None,
    host: str | None = None,
    pid: int | None = None,
) -> dict[str, Any]:
    """A runner says who it is on its connection; it is listed until the connection closes."""
    peer = ctx.peer
    if peer is None:
        raise Validation("worker.hello needs a connection: a worker is its connection")
    name = _text(name, "name") or name
    host = _text(host, "host") or (peer.access.peer if peer.access.remote else socket.gethostname())
    first = peer not in _IDS
    worker_id = _IDS.setdefault(peer, new_id("wkr"))
    worker = await ctx.store.worker_join(
        Hello(
            worker_id,
            name,
            host,
            pid,
            _strings(queues, "queues") or (),
            _strings(tools, "tools"),
            concurrency,
        )
    )
    if first:
        watcher = asyncio.create_task(_watch(ctx.store, peer, worker_id))
        _WATCHERS.add(watcher)
        watcher.add_done_callback(_WATCHERS.discard)
    return worker


async def _watch(store: Store, peer: Peer, worker_id: str) -> None:
    """Until the connection closes, write down when it was last heard from (at most every
    ``SEEN_EVERY`` seconds); then the worker leaves."""
    written = getattr(peer, "last_seen", None)
    try:
        while not peer.closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(peer.closed.wait(), SEEN_EVERY)
            heard = getattr(peer, "last_seen", None)
            if heard is not None and heard != written and not peer.closed.is_set():
                written = heard
                await store.worker_seen(worker_id, heard)
    except Exception as exc:  # the store is closing with the daemon
        log.debug("worker %s: %s", worker_id, exc)
    finally:
        with contextlib.suppress(Exception):
            await store.worker_leave(worker_id)


@rpc("worker.list")
async def list_(ctx: Context) -> dict[str, Any]:
    """The runners connected now, each with what it runs."""
    return {"workers": await ctx.store.worker_list()}
