"""Time and failure from the CLI: ``cancel``, ``reschedule``, ``requeue-failed``, the time
and retry options of ``enqueue``, and ``task ID --events`` (the timeline)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import emit, local_time, print_table, say
from sparkq_tui.durations import parse_backoff, parse_duration, parse_local_time
from sparkq_tui.errors import ValidationError

TIME_MEMBERS = ("delay", "run_at", "max_attempts", "backoff", "ttl", "expires_at")
DEAD_REASONS = ("error", "timeout", "stale", "expired", "dependency", "cancelled")


def _argtype(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


DURATION = _argtype(parse_duration)
LOCAL_TIME = _argtype(parse_local_time)
BACKOFF = _argtype(parse_backoff)


def _when(p: argparse.ArgumentParser) -> None:
    when = p.add_mutually_exclusive_group()
    when.add_argument("--delay", type=DURATION, metavar="D", help="due after D (90, 10m, 2h, 1d)")
    when.add_argument("--at", type=LOCAL_TIME, metavar="TIME", help="due at TIME (local time)")


def add_enqueue_options(p: argparse.ArgumentParser) -> None:
    """``enqueue``'s time and retry options."""
    _when(p)
    p.add_argument("--max-attempts", type=int, metavar="N", help="tries in all, 1–100 (1)")
    p.add_argument(
        "--backoff", type=BACKOFF, metavar="SPEC", help="exp:10s[:1h] or fixed:30s (exp:10s)"
    )
    p.add_argument("--ttl", type=DURATION, metavar="D", help="fail as expired if not claimed by D")


def enqueue_members(args: Any) -> dict[str, Any]:
    """The task.enqueue members of ``enqueue``'s time and retry options that were given."""
    members = {
        "delay": args.delay,
        "run_at": args.at,
        "max_attempts": args.max_attempts,
        "backoff": args.backoff,
        "ttl": args.ttl,
    }
    return {key: value for key, value in members.items() if value is not None}


def checked_call(ctx: Context, method: str, members: tuple[str, ...] | None, **params: Any) -> Any:
    """``ctx.call``, with the daemon's refusal of a bad value (of one of ``members``, or of
    any when None) reported as bad usage: exit 2 with the daemon's message."""
    try:
        return ctx.call(method, **params)
    except ValidationError as exc:
        field = exc.data.get("field") if isinstance(exc.data, dict) else None
        if members is None or field in members:
            raise UsageError(exc.message) from None
        raise


def register(sub: Any, common: Any) -> None:
    p = add_command(sub, common, "cancel", cancel, "cancel a task (a running one is stopped)")
    p.add_argument("id", help="task id or friendly id")
    p.add_argument("-m", "--message", default=None, help="why (kept in the task's error)")

    p = add_command(sub, common, "reschedule", reschedule, "move a waiting task to a new time")
    p.add_argument("id", help="task id or friendly id")
    _when(p)

    p = add_command(
        sub, common, "requeue-failed", requeue_failed, "put a queue's failed tasks back (redrive)"
    )
    p.add_argument("queue", help="queue name or id")
    p.add_argument("--reason", choices=DEAD_REASONS, default=None, help="only those that failed so")


def cancel(ctx: Context) -> int:
    task = ctx.call("task.cancel", id=ctx.args.id, message=ctx.args.message)
    held = f" (was running on {task['worker']})" if task.get("worker") else ""
    emit(ctx.json, task, lambda: say(f"{task['friendly_id']} cancelled{held}"))
    return 0


def reschedule(ctx: Context) -> int:
    args = ctx.args
    if args.delay is None and args.at is None:
        raise UsageError("give the new time: --delay D or --at TIME")
    task = checked_call(ctx, "task.reschedule", None, id=args.id, delay=args.delay, run_at=args.at)
    due = f"due {local_time(task['run_at'])}" if task["status"] == "scheduled" else "due now"
    emit(ctx.json, task, lambda: say(f"{task['friendly_id']} is {task['status']}, {due}"))
    return 0


def requeue_failed(ctx: Context) -> int:
    args = ctx.args
    result = checked_call(ctx, "queue.requeue_failed", None, queue=args.queue, reason=args.reason)
    which = f" (reason {args.reason})" if args.reason else ""
    emit(ctx.json, result, lambda: say(f"requeued {result['requeued']} failed tasks{which}"))
    return 0


def show_events(ctx: Context, ref: str) -> int:
    """``task ID --events``: the task's timeline, oldest first."""
    events = ctx.call("task.events", id=ref)["events"]
    if ctx.json:
        emit(True, {"events": events}, lambda: None)
        return 0
    rows = [
        (
            local_time(e.get("at")),
            e.get("type"),
            e.get("attempt") or "",
            e.get("worker") or "",
            _detail(e.get("detail")),
        )
        for e in events
    ]
    print_table(("AT", "EVENT", "ATTEMPT", "WORKER", "DETAIL"), rows, empty="no events")
    return 0


def _detail(detail: Any) -> str:
    if not isinstance(detail, dict):
        return ""
    shown = []
    for key, value in detail.items():
        if key == "run_at":
            value = local_time(value)
        shown.append(f"{key}={value}")
    return ", ".join(shown)
