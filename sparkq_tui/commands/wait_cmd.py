"""``sparkq wait ID``: block until a task ends; the exit code says how it ended."""

from __future__ import annotations

import time
from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import emit, say
from sparkq_tui.commands.task_time import DURATION

EXIT_SUCCEEDED, EXIT_FAILED, EXIT_TIMEOUT = 0, 1, 4
WAIT_CHUNK = 600.0  # the longest one task.wait may wait
ANSWER_MARGIN = 30.0  # how much longer than the wait the connection waits for the reply


def register(sub: Any, common: Any) -> None:
    p = add_command(
        sub,
        common,
        "wait",
        wait,
        "wait until a task ends (exit 0 succeeded, 1 failed or cancelled, 4 timed out)",
    )
    p.add_argument("id", help="task id or friendly id")
    p.add_argument(
        "--timeout",
        type=DURATION,
        default=30.0,
        metavar="D",
        help="give up after D (30; 90, 10m, 2h)",
    )


def wait(ctx: Context) -> int:
    deadline = time.monotonic() + ctx.args.timeout
    ctx.connection.timeout = min(ctx.args.timeout, WAIT_CHUNK) + ANSWER_MARGIN
    while True:
        left = max(deadline - time.monotonic(), 0.0)
        reply = ctx.call("task.wait", id=ctx.args.id, timeout=min(left, WAIT_CHUNK))
        if reply["done"] or time.monotonic() >= deadline:
            break
    task = reply["task"]
    label = task.get("friendly_id") or task["id"]
    if not reply["done"]:
        emit(ctx.json, reply, lambda: say(f"{label} is still {task['status']}"))
        return EXIT_TIMEOUT
    detail = f": {task['error']}" if task.get("error") else ""
    emit(ctx.json, reply, lambda: say(f"{label} {task['status']}{detail}"))
    return EXIT_SUCCEEDED if task["status"] == "succeeded" else EXIT_FAILED
