"""``sparkq schedule add|list|show|pause|resume|run|delete`` and ``sparkq schedules``: tasks
enqueued on a clock (``schedule.*``)."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import emit, local_time, print_fields, print_table, say
from sparkq_tui.durations import parse_duration

SCHEDULE_HELP = """\
Enqueue a task of TOOL into --queue at each slot of --cron (5 fields, 6 with the seconds
first, or @hourly, @daily, @weekly, @monthly; in --tz, default UTC) or --every D (90, 30s,
10m, 2h). The payload options are enqueue's: --script, --prompt, --file, --payload.
--overlap skip (default: no new task while the last is unfinished) or allow; --catch-up one
(default: after downtime the missed slots fire once) or none."""
# action -> (method, past tense, help)
ACTIONS = {
    "pause": ("schedule.pause", "paused", "stop firing a schedule until it is resumed"),
    "resume": ("schedule.resume", "resumed", "fire a paused schedule again"),
    "delete": ("schedule.delete", "deleted", "delete a schedule (its tasks stay)"),
}


def register(sub: Any, common: Any) -> None:
    group = add_command(
        sub,
        common,
        "schedule",
        list_schedules,
        "schedules: add, list, pause, resume, run now, delete",
        aliases=("schedules",),
    )
    group.add_argument("-q", "--queue", default=None, help="only this queue's schedules")
    actions = add_actions(group)
    p = add_command(actions, common, "add", add, "add a schedule", description=SCHEDULE_HELP)
    p.add_argument("name")
    p.add_argument("tool", help="e.g. run-bash, run-python, llm-haiku")
    p.add_argument("-q", "--queue", required=True, help="queue name or id")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help="'0 3 * * *', '*/10 * * * * *', @daily …")
    when.add_argument("--every", help="a duration: 30s, 10m, 2h")
    p.add_argument("--tz", "--timezone", dest="tz", default=None, help="IANA zone (UTC)")
    p.add_argument("--overlap", choices=("skip", "allow"), default=None)
    p.add_argument("--catch-up", dest="catch_up", choices=("one", "none"), default=None)
    p.add_argument("--paused", action="store_true", help="create it paused")
    source = p.add_mutually_exclusive_group()
    source.add_argument("-p", "--payload", metavar="JSON", help="the payload as JSON")
    source.add_argument("-s", "--script", metavar="TEXT", help='payload {"script": TEXT}')
    source.add_argument("-f", "--file", metavar="F", help="the tool's input from a file")
    source.add_argument("--prompt", metavar="TEXT", help='payload {"prompt": TEXT}')
    p.add_argument("--arg", action="append", default=None, help="an argument (repeatable)")
    p.add_argument("--cwd", default=None, help="the folder the task runs in")
    p.add_argument("--task-class", default=None, help="overrides the tool's task class")
    p.add_argument("--timeout", type=float, default=None, help="seconds")
    p.add_argument("--priority", type=int, default=None, help="higher is claimed first")
    p.add_argument("--max-attempts", type=int, default=None, help="attempts per task (1)")
    p = add_command(actions, common, "list", list_schedules, "list schedules")
    p.add_argument("-q", "--queue", default=None, help="only this queue's schedules")
    p = add_command(actions, common, "show", show, "one schedule in detail")
    p.add_argument("schedule", help="name or id")
    p = add_command(actions, common, "run", run, "fire a schedule now, once")
    p.add_argument("schedule", help="name or id")
    for action, (_method, _done, text) in ACTIONS.items():
        p = add_command(actions, common, action, change, text)
        p.add_argument("schedule", help="name or id")


def timing(schedule: dict[str, Any]) -> str:
    """``cron 0 3 * * * Europe/Berlin`` or ``every 30s``."""
    if schedule.get("cron"):
        return f"cron {schedule['cron']} {schedule.get('timezone', 'UTC')}"
    return f"every {schedule.get('every')}s"


def add(ctx: Context) -> int:
    from sparkq_tui.commands.tasks import build_payload

    args = ctx.args
    params: dict[str, Any] = {
        "name": args.name,
        "queue": args.queue,
        "tool": args.tool,
        "payload": build_payload(args),
    }
    if args.cron is not None:
        params["cron"] = args.cron
    else:
        try:
            params["every"] = parse_duration(args.every)
        except ValueError as exc:
            raise UsageError(f"--every: {exc}") from None
    optional = {
        "timezone": args.tz,
        "overlap": args.overlap,
        "catch_up": args.catch_up,
        "task_class": args.task_class,
        "timeout": args.timeout,
        "priority": args.priority,
        "max_attempts": args.max_attempts,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if args.paused:
        params["enabled"] = False
    made = ctx.call("schedule.create", params)
    emit(
        ctx.json,
        made,
        lambda: say(
            f"added schedule {made['name']} ({timing(made)}); next run "
            f"{local_time(made['next_run_at']) or 'none (paused)'}"
        ),
    )
    return 0


def list_schedules(ctx: Context) -> int:
    result = ctx.call("schedule.list", queue=getattr(ctx.args, "queue", None))
    if ctx.json:
        emit(True, result, lambda: None)
        return 0
    rows = [
        (
            s["name"],
            s.get("queue_name") or s["queue_id"],
            s["tool"],
            timing(s),
            local_time(s["next_run_at"]) if s["enabled"] else "paused",
            local_time(s["last_run_at"]),
            s["runs"],
        )
        for s in result["schedules"]
    ]
    print_table(
        ("NAME", "QUEUE", "TOOL", "WHEN", "NEXT RUN", "LAST RUN", "RUNS"),
        rows,
        empty="no schedules yet: `sparkq schedule add NAME --queue Q --every 1h TOOL --script …`",
    )
    return 0


def show(ctx: Context) -> int:
    s = ctx.call("schedule.get", schedule=ctx.args.schedule)
    emit(
        ctx.json,
        s,
        lambda: print_fields(
            [
                ("name", s["name"]),
                ("id", s["id"]),
                ("queue", s.get("queue_name") or s["queue_id"]),
                ("tool", s["tool"]),
                ("when", timing(s)),
                ("overlap", s["overlap"]),
                ("catch up", s["catch_up"]),
                ("next run", local_time(s["next_run_at"]) if s["enabled"] else "paused"),
                ("last run", local_time(s["last_run_at"])),
                ("last task", s["last_task_id"]),
                ("runs", s["runs"]),
                ("missed", s["missed"]),
            ]
        ),
    )
    return 0


def run(ctx: Context) -> int:
    ran = ctx.call("schedule.run", schedule=ctx.args.schedule)
    task = ran["task"]
    emit(
        ctx.json, ran, lambda: say(f"ran schedule {ran['schedule']['name']}: {task['friendly_id']}")
    )
    return 0


def change(ctx: Context) -> int:
    method, done, _help = ACTIONS[ctx.args.action]
    result = ctx.call(method, schedule=ctx.args.schedule)
    emit(ctx.json, result, lambda: say(f"{done} schedule {ctx.args.schedule}"))
    return 0
