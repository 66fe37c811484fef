"""``sparkq session create|list|show|end|delete``."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.confirm import delete_after_asking
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import ago, emit, local_time, print_fields, print_table, say


def register(sub: Any, common: Any) -> None:
    group = add_command(
        sub,
        common,
        "session",
        list_sessions,
        "sessions: create, list, show, end, delete",
        aliases=("sessions",),
    )
    actions = add_actions(group)
    p = add_command(actions, common, "create", create, "create a session")
    p.add_argument("name")
    p.add_argument("-d", "--description", default=None)
    p = add_command(actions, common, "list", list_sessions, "list sessions")
    p.add_argument("--status", choices=("active", "ended"), default=None)
    for name, handler, text in (
        ("show", show, "one session in detail"),
        ("end", end, "end a session (its queues stay readable)"),
    ):
        p = add_command(actions, common, name, handler, text)
        p.add_argument("session", help="name or id")
    p = add_command(actions, common, "delete", delete, "delete a session with its queues and tasks")
    p.add_argument("session", help="name or id")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def render_session(session: dict[str, Any]) -> None:
    print_fields(
        [
            ("name", session.get("name")),
            ("id", session.get("id")),
            ("status", session.get("status")),
            ("description", session.get("description")),
            ("created", local_time(session.get("created_at"))),
            ("ended", local_time(session.get("ended_at"))),
        ]
    )


def create(ctx: Context) -> int:
    session = ctx.call("session.create", name=ctx.args.name, description=ctx.args.description)
    emit(ctx.json, session, lambda: say(f"created session {session['name']} ({session['id']})"))
    return 0


def list_sessions(ctx: Context) -> int:
    result = ctx.call("session.list", status=getattr(ctx.args, "status", None))
    rows = [
        (s["name"], s["status"], ago(s.get("created_at")), s.get("description") or "", s["id"])
        for s in result["sessions"]
    ]
    emit(
        ctx.json,
        result,
        lambda: print_table(
            ("NAME", "STATUS", "AGE", "DESCRIPTION", "ID"),
            rows,
            empty="no sessions yet: `sparkq session create NAME`",
        ),
    )
    return 0


def show(ctx: Context) -> int:
    session = ctx.call("session.get", session=ctx.args.session)
    emit(ctx.json, session, lambda: render_session(session))
    return 0


def end(ctx: Context) -> int:
    session = ctx.call("session.end", session=ctx.args.session)
    emit(ctx.json, session, lambda: say(f"ended session {session['name']}"))
    return 0


def delete(ctx: Context) -> int:
    target = ctx.args.session
    question = f"Delete session {target!r} with all its queues and tasks?"
    return delete_after_asking(ctx, question, "session.delete", f"session {target}", session=target)
