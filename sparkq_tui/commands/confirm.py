"""Asking the user before a destructive step."""

from __future__ import annotations

import sys
from typing import Any

from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import emit, say


def confirm(question: str, assume_yes: bool) -> bool:
    """True when the user agrees (or ``assume_yes``); refuses without a terminal to ask on."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(f"{question} Nothing asked without a terminal: pass --yes to confirm")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def delete_after_asking(ctx: Context, question: str, method: str, what: str, **params: Any) -> int:
    """Ask ``question`` (unless --yes), then call ``method`` and report ``what`` deleted."""
    if not confirm(question, ctx.args.yes):
        say("nothing deleted")
        return 0
    result = ctx.call(method, **params)
    emit(ctx.json, result, lambda: say(f"deleted {what}"))
    return 0
