"""queue.throughput: how fast queues move (tasks finished per minute) and whether one's
oldest queued task has waited longer than its class's timeout."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional

MAX_MINUTES = 24 * 60


@rpc("queue.throughput", queue=optional("ref"), minutes=optional("int", 60, min=1, max=MAX_MINUTES))
async def throughput(ctx: Context, minutes: int, queue: str | None = None) -> dict[str, Any]:
    """Per queue (one, or all): tasks finished in each of the last ``minutes`` minutes and
    the oldest queued task's wait against its class's timeout."""
    return {"minutes": minutes, "queues": await ctx.store.queue_throughput(queue, minutes)}
