"""``sparkq rpc METHOD [JSON]``: one raw call; the result is printed as JSON."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import print_json


def register(sub: Any, common: Any) -> None:
    p = add_command(
        sub,
        common,
        "rpc",
        rpc,
        "call one daemon method and print its result as JSON",
        description=(
            "Call one daemon method (see docs/protocol.md) and print its result as JSON. "
            "PARAMS is a JSON object; - reads it from stdin. "
            'Example: sparkq rpc task.list \'{"status": "failed", "limit": 5}\''
        ),
    )
    p.add_argument("method", help="e.g. system.ping, task.list")
    p.add_argument("params", nargs="?", default=None, metavar="PARAMS", help="a JSON object")


def rpc(ctx: Context) -> int:
    from sparkq_tui.commands.tasks import parse_json

    params = None
    if ctx.args.params is not None:
        params = parse_json(ctx.args.params, "PARAMS")
        if not isinstance(params, dict):
            raise UsageError('PARAMS must be a JSON object, e.g. \'{"id": "tsk_…"}\'')
    print_json(ctx.call(ctx.args.method, params))
    return 0
