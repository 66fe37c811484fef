"""``sparkq enqueue Q TOOL --lines F``: one task per line, sent pipelined over one connection
(``AsyncClient.enqueue_many``), so a thousand lines cost about one round trip per window, not
one per line. Not all or none: every line is tried, and the refused ones are named."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import emit, say, warn
from sparkq_tui.commands.task_time import enqueue_members
from sparkq_tui.errors import SparkQError

MAX_SHOWN = 5  # refused lines named one by one


def enqueue_lines(ctx: Context, payloads: list[Any]) -> int:
    """Enqueue one task per payload; print how many and the first and last ids."""
    args = ctx.args
    options = {
        key: value
        for key, value in (
            ("task_class", args.task_class),
            ("timeout", args.timeout),
            ("priority", args.priority),
            ("role", args.role),
        )
        if value is not None
    }
    options.update(enqueue_members(args))
    if args.after:
        options["depends_on"] = list(args.after)
    items = [{"tool": args.tool, "payload": payload, **options} for payload in payloads]
    started = time.perf_counter()
    outcomes = asyncio.run(_send(ctx, args.queue, items, args.window))
    elapsed = time.perf_counter() - started
    refused = [(n, o) for n, o in enumerate(outcomes, 1) if isinstance(o, SparkQError)]
    tasks = [o for o in outcomes if not isinstance(o, SparkQError)]
    if refused:
        for number, error in refused[:MAX_SHOWN]:
            warn(f"line {number}: {error.message}")
        more = f" (and {len(refused) - MAX_SHOWN} more)" if len(refused) > MAX_SHOWN else ""
        raise SparkQError(
            f"{len(refused)} of {len(items)} lines refused{more}; {len(tasks)} enqueued"
        )
    rate = len(tasks) / elapsed if elapsed > 0 else float("inf")
    summary = {
        "enqueued": len(tasks),
        "tasks": [{"id": t["id"], "friendly_id": t["friendly_id"]} for t in tasks],
    }
    first, last = tasks[0]["friendly_id"], tasks[-1]["friendly_id"]
    emit(
        ctx.json,
        summary,
        lambda: say(f"enqueued {len(tasks)} tasks ({first} … {last}) in {rate:.0f} tasks/s"),
    )
    return 0


async def _send(ctx: Context, queue: str, items: list[dict[str, Any]], window: int) -> list:
    async with AsyncClient(ctx.socket_path) as client:
        return await client.enqueue_many(queue, items, window=window, return_exceptions=True)
