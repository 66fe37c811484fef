"""task.wait: block until a task ends or the timeout passes."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.registry import rpc
from sparkq_daemon.store.values import TERMINAL
from sparkq_daemon.validation import optional, required

MAX_WAIT = 600
DEFAULT_WAIT = 30
ID_PREFIX = "tsk_"


@rpc("task.wait", id=required("ref"), timeout=optional("number", DEFAULT_WAIT, min=0, max=MAX_WAIT))
async def wait(ctx: Context, id: str, timeout: float) -> dict[str, Any]:
    """Wait until the task is succeeded, failed or cancelled (``done: true``) or ``timeout``
    seconds (30, at most 600) pass (``done: false``); ``{task, done}``. A task waiting out a
    retry is not done."""
    if not id.startswith(ID_PREFIX):  # a friendly id: find the task's id to watch it by
        id = (await ctx.store.task_get(id))["id"]
    with ctx.daemon.task_waiters.watch(id) as woken:
        # Read once watching: an end committed before the watch began is seen here.
        task = await ctx.store.task_get(id)
        if timeout == 0 or task["status"] in TERMINAL:
            return {"task": task, "done": task["status"] in TERMINAL}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        give_up = [ctx.daemon.stopping] + ([ctx.peer.closed] if ctx.peer is not None else [])
        while task["status"] not in TERMINAL:
            left = deadline - loop.time()
            if left <= 0 or any(flag.is_set() for flag in give_up):
                break
            await _first_of([woken, *give_up], left)
            if not woken.is_set():
                continue
            woken.clear()
            task = await ctx.store.task_get(id)
        if task["status"] not in TERMINAL:  # the state at the timeout, not at the last wake
            task = await ctx.store.task_get(id)
    return {"task": task, "done": task["status"] in TERMINAL}


async def _first_of(flags: list[asyncio.Event], timeout: float) -> None:
    """Return when one of ``flags`` is set or after ``timeout`` seconds."""
    waits = [asyncio.ensure_future(flag.wait()) for flag in flags]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
