"""``sparkq mcp``: serve the daemon's tools to an MCP client (an agent) over stdin/stdout."""

from __future__ import annotations

import logging
import sys
from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import Context

INSTALL = "pip install 'sparkq[mcp]'"
EXIT_USAGE, EXIT_NO_DAEMON = 2, 3


def register(sub: Any, common: Any) -> None:
    p = add_command(
        sub,
        common,
        "mcp",
        run_mcp,
        "serve SparkQ to an MCP client (an agent) on stdin/stdout",
        description=(
            "An MCP server on stdin/stdout whose tools call the daemon: enqueue, list and "
            "inspect tasks, requeue, pause and resume queues, stats. It starts a daemon in "
            "the background when none answers (unless --no-start). Add it to Claude Code "
            "with: claude mcp add sparkq -- sparkq mcp"
        ),
    )
    p.add_argument(
        "--no-start", action="store_true", help="do not start a daemon when none answers"
    )


def run_mcp(ctx: Context) -> int:
    try:
        from sparkq_tui.mcp_server import serve
    except ImportError as exc:
        print(
            f"sparkq mcp needs the mcp package (2.0 or later): install it with {INSTALL} ({exc})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="sparkq-mcp %(levelname)s %(message)s"
    )
    socket = ctx.socket_path
    if not ctx.args.no_start:
        from sparkq_tui.daemon_control import default_log_file, ensure_daemon

        try:
            started = ensure_daemon(socket, config=ctx.config_option)
        except (RuntimeError, OSError) as exc:
            print(f"sparkq mcp: could not start a daemon on {socket}: {exc}", file=sys.stderr)
            return EXIT_NO_DAEMON
        if started:
            logging.getLogger("sparkq.mcp").info(
                "no daemon answered on %s: started one (log: %s)",
                socket,
                default_log_file(socket),
            )
    import asyncio

    asyncio.run(serve(socket))
    return 0
