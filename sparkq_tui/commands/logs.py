"""``sparkq logs ID [-f]``: a task's live output; with -f, follow it until the task ends."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import sanitise

PAGE = 1000
ENDED = frozenset({"succeeded", "failed", "cancelled"})
ENDING_EVENTS = frozenset({"task.completed", "task.failed", "task.cancelled", "task.deleted"})
RECHECK_SECONDS = 5.0  # a bounded wait between events: a missed one costs at most this


def register(sub: Any, common: Any) -> None:
    p = add_command(sub, common, "logs", logs, "print a task's live output (-f: follow it)")
    p.add_argument("id", help="task id or friendly id")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing until the task ends")


def _show(line: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    out = sys.stderr if line.get("stream") == "stderr" else sys.stdout
    out.write(sanitise(line.get("text") or ""))
    out.flush()


def logs(ctx: Context) -> int:
    if ctx.args.follow:
        import asyncio  # only here: the CLI stays light without -f

        return asyncio.run(_follow(ctx))
    after = 0
    while True:
        page = ctx.call("task.logs", id=ctx.args.id, after=after, limit=PAGE)
        for line in page["lines"]:
            _show(line, ctx.json)
        if len(page["lines"]) < PAGE:
            return 0
        after = page["next"]


async def _follow(ctx: Context) -> int:
    """Page the output, then print each ``task.log`` event's line as it comes, until the
    task has ended (its end event, or a re-check every few seconds)."""
    import asyncio

    from sparkq_tui.client import AsyncClient

    ref = ctx.args.id
    client = AsyncClient(ctx.endpoint)
    try:
        task = await client.call("task.get", id=ref)
        events = client.subscribe(["task"])
        pending = asyncio.ensure_future(anext(events))
        after = await _page_all(client, task["id"], 0, ctx.json)
        while task["status"] not in ENDED:
            done, _ = await asyncio.wait({pending}, timeout=RECHECK_SECONDS)
            if not done:  # nothing heard for a while: read the state again
                task = await client.call("task.get", id=task["id"])
                after = await _page_all(client, task["id"], after, ctx.json)
                continue
            event = pending.result()
            pending = asyncio.ensure_future(anext(events))
            if event.get("id") != task["id"]:
                if event.get("type") == "connection.restored":
                    task = await client.call("task.get", id=task["id"])
                continue
            line = event.get("line")
            if event.get("type") == "task.log" and line and line["seq"] == after + 1:
                _show(line, ctx.json)
                after = line["seq"]
            elif event.get("type") == "task.log":
                after = await _page_all(client, task["id"], after, ctx.json)
            elif event.get("type") in ENDING_EVENTS:
                if event["type"] == "task.deleted":
                    return 0
                task = await client.call("task.get", id=task["id"])
        await _page_all(client, task["id"], after, ctx.json)
        pending.cancel()
        return 0
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def _page_all(client: Any, task_id: str, after: int, as_json: bool) -> int:
    """Print every line after ``after``; the last line's number."""
    while True:
        page = await client.call("task.logs", id=task_id, after=after, limit=PAGE)
        for line in page["lines"]:
            _show(line, as_json)
        after = page["next"]
        if len(page["lines"]) < PAGE:
            return after
