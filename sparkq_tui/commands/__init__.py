"""The CLI's command groups, one module each; every module has ``register(sub, common)``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], int | None]


def add_command(
    sub: Any,
    common: argparse.ArgumentParser,
    name: str,
    handler: Handler | None,
    help: str,
    *,
    aliases: tuple[str, ...] = (),
    description: str | None = None,
    **parser_options: Any,
) -> argparse.ArgumentParser:
    """Add the sub-command ``name`` that runs ``handler(ctx)``; global options apply to it."""
    parser = sub.add_parser(
        name,
        parents=[common],
        help=help,
        description=description or help,
        aliases=list(aliases),
        **parser_options,
    )
    parser.set_defaults(handler=handler, command_parser=parser)
    return parser


def add_actions(parser: argparse.ArgumentParser) -> Any:
    """Sub-actions of a command group (``session create``, ``queue pause`` …)."""
    return parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
