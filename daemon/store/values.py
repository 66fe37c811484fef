"""What every engine shares about values: the task statuses, a queue's derived status, JSON
columns, and seconds as the protocol prints them."""

from __future__ import annotations

from typing import Any

import orjson

# PROTOCOL.md v2: every Queue's ``counts`` and ``system.stats`` carry all seven.
TASK_STATUSES = ("queued", "scheduled", "blocked", "running", "succeeded", "failed", "cancelled")
TERMINAL = ("succeeded", "failed", "cancelled")
# A unique key is held while its task is in one of these (the partial unique index's set).
LIVE = ("queued", "scheduled", "blocked", "running")
MAX_UNIQUE_KEY = 256


def queue_status(state: str | None, counts: dict[str, int]) -> str:
    """A queue's status: its ``state`` when set (ended, archived), else derived from its
    counts: ``active`` (a task runs), ``planned`` (tasks wait), ``idle``."""
    if state:
        return state
    if counts["running"]:
        return "active"
    if counts["queued"] or counts["scheduled"] or counts["blocked"]:
        return "planned"
    return "idle"


def decode(text: str | None) -> Any:
    """A JSON column's value (None stays None)."""
    return None if text is None else orjson.loads(text)


def encode(value: Any) -> str | None:
    """A value as a JSON column's text (None stays None)."""
    return None if value is None else orjson.dumps(value).decode()


def seconds(value: float) -> float | int:
    """A whole number of seconds prints as an integer, like the config it came from."""
    return int(value) if float(value).is_integer() else value
