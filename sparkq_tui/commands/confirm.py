"""Asking the user before a destructive step."""

from __future__ import annotations

import sys

from sparkq_tui.commands.context import UsageError


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
