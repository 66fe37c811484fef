"""What every engine shares about values: the task statuses, a queue's derived status, JSON
columns, and seconds as the protocol prints them."""

from __future__ import annotations

from collections.abc import Callable
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


SCHEDULE_TIMES = ("next_run_at", "last_run_at", "created_at", "updated_at")
SCHEDULE_SELECT = (
    "SELECT s.*, (SELECT name FROM queues WHERE queues.id = s.queue_id) AS queue_name "
    "FROM schedules s"
)
SCHEDULE_TIMING = ("cron", "every", "timezone")  # members whose change moves the next run
SCHEDULE_CHANGEABLE = (
    "tool",
    "payload",
    "task_class",
    "timeout",
    "priority",
    "max_attempts",
    "overlap",
    "catch_up",
)


def schedule_object(row: Any, time: Callable[[Any], str | None]) -> dict[str, Any]:
    """A schedules row (either engine's) as the protocol's Schedule object; ``time`` turns the
    engine's stored times into protocol times."""
    out = {
        key: row[key]
        for key in (
            "id",
            "name",
            "queue_id",
            "tool",
            "cron",
            "timezone",
            "task_class",
            "priority",
            "max_attempts",
            "overlap",
            "catch_up",
            "last_task_id",
            "runs",
            "missed",
        )
    }
    out["queue_name"] = row["queue_name"] or ""
    out["every"] = seconds(row["every"]) if row["every"] is not None else None
    out["timeout"] = seconds(row["timeout"]) if row["timeout"] is not None else None
    out["payload"] = decode(row["payload"])
    out["enabled"] = bool(row["enabled"])
    out.update({key: time(row[key]) for key in SCHEDULE_TIMES})
    return out
