"""``sparkq queue create|list|show|update|limit|end|archive|unarchive|pause|resume|delete``."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command, queue_limits
from sparkq_tui.commands.confirm import delete_after_asking
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import (
    ago,
    counts_text,
    emit,
    local_time,
    print_fields,
    print_table,
    say,
)

# action -> (method, past tense for the message, help)
STATE_ACTIONS = {
    "end": ("queue.end", "ended", "end a queue: it takes no new tasks"),
    "archive": ("queue.archive", "archived", "archive a queue (hidden from lists)"),
    "unarchive": ("queue.unarchive", "unarchived", "bring an archived queue back"),
    "pause": ("queue.pause", "paused", "pause a queue: nothing is claimed from it"),
    "resume": ("queue.resume", "resumed", "resume a paused queue"),
}


def register(sub: Any, common: Any) -> None:
    group = add_command(
        sub,
        common,
        "queue",
        list_queues,
        "queues: create, list, show, pause, end, archive …",
        aliases=("queues",),
    )
    _list_options(group)  # `sparkq queues --all` lists, as `sparkq queue list --all`
    actions = add_actions(group)
    p = add_command(actions, common, "create", create, "create a queue in a session")
    p.add_argument("name")
    p.add_argument("-s", "--session", required=True, help="session name or id")
    p.add_argument("-i", "--instructions", default=None)
    _role_options(p)
    p = add_command(actions, common, "list", list_queues, "list queues")
    _list_options(p)
    p = add_command(actions, common, "show", show, "one queue in detail")
    p.add_argument("queue", help="name or id")
    p = add_command(
        actions, common, "update", update, "rename a queue, change its instructions, role …"
    )
    p.add_argument("queue", help="name or id")
    p.add_argument("--name", default=None)
    p.add_argument("-i", "--instructions", default=None)
    _role_options(p, clear=' ("" clears it)')
    p = add_command(actions, common, "limit", queue_limits.limit, "set a queue's limits")
    queue_limits.add_options(p)
    for action, (_method, _done, text) in STATE_ACTIONS.items():
        p = add_command(actions, common, action, change_state, text)
        p.add_argument("queue", help="name or id")
    p = add_command(actions, common, "delete", delete, "delete a queue and its tasks")
    p.add_argument("queue", help="name or id")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def _role_options(p: Any, clear: str = "") -> None:
    p.add_argument("--role", default=None, help=f"the agent role its tasks take{clear}")
    p.add_argument(
        "--model-profile",
        default=None,
        metavar="PROFILE",
        help=f"which model_profiles tool its prompts go to (sparkq.yml){clear}",
    )


def _list_options(p: Any) -> None:
    p.add_argument("-s", "--session", default=None, help="only this session's queues")
    p.add_argument("--status", default=None, help="active, planned, idle, ended or archived")
    p.add_argument("-a", "--all", action="store_true", help="include archived queues")


def render_queue(queue: dict[str, Any]) -> None:
    print_fields(
        [
            ("name", queue.get("name")),
            ("id", queue.get("id")),
            ("session", queue.get("session_id")),
            ("status", queue.get("status") + (" (paused)" if queue.get("paused") else "")),
            ("tasks", counts_text(queue.get("counts")) or "none"),
            ("limits", queue_limits.describe(queue)),
            ("blocked", queue.get("blocked") or "no"),
            ("instructions", queue.get("instructions")),
            *([("role", queue["role"])] if queue.get("role") else []),
            *([("model profile", queue["model_profile"])] if queue.get("model_profile") else []),
            ("created", local_time(queue.get("created_at"))),
            ("updated", local_time(queue.get("updated_at"))),
        ]
    )


def create(ctx: Context) -> int:
    queue = ctx.call(
        "queue.create",
        name=ctx.args.name,
        session=ctx.args.session,
        instructions=ctx.args.instructions,
        role=ctx.args.role,
        model_profile=ctx.args.model_profile,
    )
    emit(ctx.json, queue, lambda: say(f"created queue {queue['name']} ({queue['id']})"))
    return 0


def list_queues(ctx: Context) -> int:
    args = ctx.args
    result = ctx.call(
        "queue.list",
        session=getattr(args, "session", None),
        status=getattr(args, "status", None),
        include_archived=True if getattr(args, "all", False) else None,
    )
    if ctx.json:
        emit(True, result, lambda: None)
        return 0
    queues = result["queues"]
    names = _session_names(ctx) if queues else {}
    rows = [
        (
            q["name"],
            names.get(q.get("session_id"), q.get("session_id")),
            q["status"] + (" ⏸" if q.get("paused") else ""),
            counts_text(q.get("counts")),
            ago(q.get("updated_at")),
            q["id"],
        )
        for q in queues
    ]
    print_table(
        ("NAME", "SESSION", "STATUS", "TASKS", "UPDATED", "ID"),
        rows,
        empty="no queues yet: `sparkq queue create NAME --session SESSION`",
    )
    return 0


def _session_names(ctx: Context) -> dict[str, str]:
    return {s["id"]: s["name"] for s in ctx.call("session.list")["sessions"]}


def show(ctx: Context) -> int:
    queue = ctx.call("queue.get", queue=ctx.args.queue)
    emit(ctx.json, queue, lambda: render_queue(queue))
    return 0


def update(ctx: Context) -> int:
    args = ctx.args
    if all(v is None for v in (args.name, args.instructions, args.role, args.model_profile)):
        raise UsageError("queue update needs --name, --instructions, --role or --model-profile")
    queue = ctx.call(
        "queue.update",
        queue=args.queue,
        name=args.name,
        instructions=args.instructions,
        role=args.role,
        model_profile=args.model_profile,
    )
    emit(ctx.json, queue, lambda: say(f"updated queue {queue['name']}"))
    return 0


def change_state(ctx: Context) -> int:
    method, done, _help = STATE_ACTIONS[ctx.args.action]
    queue = ctx.call(method, queue=ctx.args.queue)
    emit(ctx.json, queue, lambda: say(f"{done} queue {queue['name']}"))
    return 0


def delete(ctx: Context) -> int:
    target = ctx.args.queue
    question = f"Delete queue {target!r} and all its tasks?"
    return delete_after_asking(ctx, question, "queue.delete", f"queue {target}", queue=target)
