"""Opaque ids (``ses_…``, ``que_…``, ``tsk_…``) and friendly-id prefixes."""

from __future__ import annotations

import re
import secrets
import unicodedata

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_SEPARATORS = re.compile(r"-+")


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def task_ids(first_seq: int, count: int) -> list[str]:
    """Ids for ``count`` consecutive task rows: each carries its row number (so a lookup
    needs no index of its own) and 6 random hex digits, all from one read of the random
    source."""
    noise = secrets.token_hex(3 * count)
    return [f"tsk_{first_seq + i:x}{noise[6 * i : 6 * i + 6]}" for i in range(count)]


def seq_of_task_id(task_id: str) -> int | None:
    body = task_id[4:]
    if not task_id.startswith("tsk_") or len(body) < 7:
        return None
    try:
        return int(body[:-6], 16)
    except ValueError:
        return None


def friendly_prefix(queue_name: str) -> str:
    """``my queue.v2`` → ``MY-QUEUE-V2``, ``données`` → ``DONNÉES``: upper-cased letters and
    digits of any script (composed, NFC), runs of other characters as ``-``."""
    upper = queue_name.upper()
    if upper.isascii():
        return _NON_ALNUM.sub("-", upper).strip("-") or "Q"
    upper = unicodedata.normalize("NFC", upper)
    kept = "".join(
        c if c.isalnum() or unicodedata.category(c).startswith("M") else "-" for c in upper
    )
    return _SEPARATORS.sub("-", kept).strip("-") or "Q"


def friendly_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:04d}"
