"""``sparkq token add|list|revoke``: access tokens for the daemon's TCP listener."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import ago, emit, print_table, say

SCOPES = ("read", "worker", "admin")


def register(sub: Any, common: Any) -> None:
    group = add_command(
        sub, common, "token", list_tokens, "access tokens for TCP clients: add, list, revoke"
    )
    actions = add_actions(group)
    p = add_command(
        actions,
        common,
        "add",
        add,
        "create a token and print its secret (shown this once)",
    )
    p.add_argument("name")
    p.add_argument(
        "--scope",
        choices=SCOPES,
        required=True,
        help="read: look; worker: read + claim and run tasks, enqueue; admin: everything",
    )
    add_command(actions, common, "list", list_tokens, "list tokens (names and scopes, no secrets)")
    p = add_command(actions, common, "revoke", revoke, "revoke a token; its connections close")
    p.add_argument("name")


def add(ctx: Context) -> int:
    created = ctx.call("token.create", name=ctx.args.name, scope=ctx.args.scope)
    emit(ctx.json, created, lambda: say(created["token"]))
    if not ctx.json:
        import sys

        print(
            f"token {created['name']} ({created['scope']}): the secret above is shown only "
            "once; give it to the client as SPARKQ_TOKEN or --token",
            file=sys.stderr,
        )
    return 0


def list_tokens(ctx: Context) -> int:
    tokens = ctx.call("token.list")["tokens"]
    rows = [(t["name"], t["scope"], ago(t.get("created_at"))) for t in tokens]
    emit(
        ctx.json,
        {"tokens": tokens},
        lambda: print_table(
            ("NAME", "SCOPE", "AGE"),
            rows,
            empty="no tokens yet: `sparkq token add NAME --scope worker`",
        ),
    )
    return 0


def revoke(ctx: Context) -> int:
    revoked = ctx.call("token.revoke", name=ctx.args.name)
    emit(
        ctx.json,
        revoked,
        lambda: say(
            f"revoked token {revoked['name']} "
            f"({revoked.get('closed_connections', 0)} open connection(s) closed)"
        ),
    )
    return 0
