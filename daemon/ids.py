"""Opaque ids (``ses_…``, ``que_…``, ``tsk_…``) and friendly-id prefixes."""

from __future__ import annotations

import re
import secrets

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def task_id(seq: int) -> str:
    """A task id carries its row number, so a lookup needs no index of its own."""
    return f"tsk_{seq:x}{secrets.token_hex(3)}"


def seq_of_task_id(task_id: str) -> int | None:
    body = task_id[4:]
    if not task_id.startswith("tsk_") or len(body) < 7:
        return None
    try:
        return int(body[:-6], 16)
    except ValueError:
        return None


def friendly_prefix(queue_name: str) -> str:
    """``my queue.v2`` → ``MY-QUEUE-V2``: upper-cased, runs of other characters as ``-``."""
    return _NON_ALNUM.sub("-", queue_name.upper()).strip("-") or "Q"


def friendly_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:04d}"
