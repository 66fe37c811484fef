"""``sparkq progress [ID] PERCENT [MESSAGE]``: report how far a running task is, from inside
it (the runner gives every task ``SPARKQ_TASK_ID`` and ``SPARKQ_ATTEMPT``)."""

from __future__ import annotations

import os
from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import BadArguments, Context
from sparkq_tui.commands.output import emit, say
from sparkq_tui.commands.task_time import checked_call


def register(sub: Any, common: Any) -> None:
    p = add_command(
        sub,
        common,
        "progress",
        progress,
        "report a running task's progress (inside a task: ID is $SPARKQ_TASK_ID)",
        usage="sparkq progress [-h] [global options] [ID] PERCENT [MESSAGE]",
    )
    p.add_argument(
        "words",
        nargs="+",
        metavar="[ID] PERCENT [MESSAGE]",
        help="the task (default $SPARKQ_TASK_ID), percent done 0–100, a short message",
    )


def _number(word: str) -> float | None:
    try:
        return float(word)
    except ValueError:
        return None


def parse_words(words: list[str], env_id: str | None) -> tuple[str, float, str | None]:
    """(task, percent, message) from ``[ID] PERCENT [MESSAGE]``: a first word that is a
    number is the percent (task ids never are)."""
    if _number(words[0]) is None:
        ref, rest = words[0], words[1:]
    elif env_id:
        ref, rest = env_id, words
    else:
        raise BadArguments("give the task ID (no $SPARKQ_TASK_ID: not inside a task)")
    if not rest or len(rest) > 2:
        raise BadArguments("give PERCENT and at most one MESSAGE (quote it)")
    percent = _number(rest[0])
    if percent is None:
        raise BadArguments(f"PERCENT must be a number, not {rest[0]!r}")
    return ref, percent, rest[1] if len(rest) == 2 else None


def progress(ctx: Context) -> int:
    env_id = os.environ.get("SPARKQ_TASK_ID") or None
    ref, percent, message = parse_words(ctx.args.words, env_id)
    params: dict[str, Any] = {"id": ref, "percent": percent}
    if message is not None:
        params["message"] = message
    if ref == env_id:  # the claim's fence: a late report of an old claim is refused
        for member, name in (("attempt", "SPARKQ_ATTEMPT"), ("lease", "SPARKQ_LEASE")):
            value = os.environ.get(name, "")
            if value.isdigit():
                params[member] = int(value)
    task = checked_call(ctx, "task.progress", ("percent", "message"), **params)
    shown = task.get("progress") or {}
    text = f"{task['friendly_id']}: {shown.get('percent', percent):g} %"
    if shown.get("message"):
        text += f" {shown['message']}"
    emit(ctx.json, task, lambda: say(text))
    return 0
