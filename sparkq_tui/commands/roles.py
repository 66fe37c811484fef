"""Agent roles: ``sparkq roles`` (list), ``sparkq role add KEY …``, ``sparkq role rm KEY``."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import emit, print_table, say, short


def register(sub: Any, common: Any) -> None:
    group = add_command(
        sub, common, "role", list_roles, "agent roles: list, add, rm", aliases=("roles",)
    )
    actions = add_actions(group)
    add_command(actions, common, "list", list_roles, "list agent roles")
    p = add_command(
        actions,
        common,
        "add",
        upsert_role,
        "add or change an agent role (an option left out keeps the role's value)",
    )
    p.add_argument("key", help="the role's key (quick-add: @KEY text)")
    p.add_argument("-l", "--label", default=None, help="its display name (default: the key)")
    p.add_argument("-p", "--prompt", default=None, help="put before the queue's instructions")
    p.add_argument("-d", "--description", default=None)
    state = p.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_true", default=None)
    state.add_argument("--inactive", dest="active", action="store_false")
    p = add_command(actions, common, "rm", remove_role, "remove an agent role", aliases=("remove",))
    p.add_argument("key")


def list_roles(ctx: Context) -> int:
    result = ctx.call("role.list")
    rows = [
        (
            r.get("key"),
            r.get("label"),
            "yes" if r.get("active") else "no",
            short(r.get("prompt"), 50),
            r.get("description") or "",
        )
        for r in result["roles"]
    ]
    emit(
        ctx.json,
        result,
        lambda: print_table(
            ("KEY", "LABEL", "ACTIVE", "PROMPT", "DESCRIPTION"),
            rows,
            empty="no roles: `sparkq role add KEY --prompt TEXT`",
        ),
    )
    return 0


def upsert_role(ctx: Context) -> int:
    args = ctx.args
    role = ctx.call(
        "role.upsert",
        key=args.key,
        label=args.label,
        prompt=args.prompt,
        description=args.description,
        active=args.active,
    )
    emit(ctx.json, role, lambda: say(f"role {role['key']} saved"))
    return 0


def remove_role(ctx: Context) -> int:
    result = ctx.call("role.delete", key=ctx.args.key)
    emit(ctx.json, result, lambda: say(f"removed role {ctx.args.key}"))
    return 0
