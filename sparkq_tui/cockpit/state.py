"""Pure helpers of the cockpit: times, task summaries, filters and counts (no Textual here)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sparkq_tui.pytasks.call_text import TOOL as PYTHON_CALL
from sparkq_tui.pytasks.call_text import call_text

STATUSES = ("queued", "running", "succeeded", "failed")  # the header's counts
# Every status a task can have, for the filter; the header counts the four above.
ALL_STATUSES = ("queued", "scheduled", "blocked", "running", "succeeded", "failed", "cancelled")
STATUS_GLYPHS = {
    "queued": "○",
    "scheduled": "◷",
    "blocked": "⧗",
    "running": "▶",
    "succeeded": "✓",
    "failed": "✗",
    "cancelled": "⊘",
}
STATUS_PREFIXES = ("status:", "is:")

T = TypeVar("T")


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time from the wire, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_duration(seconds: float | None) -> str:
    """A short duration: ``42s``, ``3m07s``, ``2h05m``, ``3d04h``."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def task_elapsed(task: Mapping[str, Any], now: datetime) -> float | None:
    """Seconds a task ran (so far, when it is running); None when it never started."""
    started = parse_time(task.get("claimed_at"))
    if started is None:
        return None
    finished = parse_time(task.get("finished_at"))
    if task.get("status") == "running":
        end = now
    elif finished is None:
        return None  # not running and not finished: waiting for its next attempt
    else:
        end = finished
    return (end - started).total_seconds()


def task_age(task: Mapping[str, Any], now: datetime) -> float | None:
    created = parse_time(task.get("created_at"))
    return None if created is None else (now - created).total_seconds()


def format_due(seconds: float) -> str:
    """When a scheduled task is due, coarsely: ``in 42s``, ``in 4m``, ``in 2h``, ``in 3d``;
    ``due`` once its time has come."""
    total = int(seconds)
    if total <= 0:
        return "due"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            return f"in {total // size}{unit}"
    return f"in {total}s"


def task_due_in(task: Mapping[str, Any], now: datetime) -> float | None:
    """Seconds until a scheduled task is due; None for any other task."""
    run_at = parse_time(task.get("run_at"))
    if task.get("status") != "scheduled" or run_at is None:
        return None
    return (run_at - now).total_seconds()


def task_attempts(task: Mapping[str, Any]) -> str:
    """``2/3`` (attempts of max_attempts) for a task that may retry; "" for one that may not."""
    most = task.get("max_attempts") or 1
    return f"{task.get('attempts') or 0}/{most}" if most > 1 else ""


def task_time_cell(task: Mapping[str, Any], now: datetime) -> str:
    """The table's time column: when a scheduled task is due, running time when it ran, else
    its age."""
    due_in = task_due_in(task, now)
    if due_in is not None:
        return format_due(due_in)
    elapsed = task_elapsed(task, now)
    if elapsed is not None:
        return format_duration(elapsed)
    return format_duration(task_age(task, now))


def time_cell_moves(task: Mapping[str, Any]) -> bool:
    """Whether the time column of ``task`` changes as the clock runs: its running time while
    it runs, its age while it never ran (a queued task); a finished run's time stays put."""
    if task.get("status") == "scheduled" or task.get("claimed_at") is None:
        return task.get("created_at") is not None or task.get("run_at") is not None
    return task.get("status") == "running" or not task.get("finished_at")


def is_stale(task: Mapping[str, Any]) -> bool:
    """A running task the sweeper warned about (no heartbeat within its timeout)."""
    return task.get("status") == "running" and bool(task.get("stale_warned_at"))


def task_summary(task: Mapping[str, Any]) -> str:
    """One line describing what a task does: its prompt or script, the call of a python-call
    task, else its payload."""
    payload = task.get("payload")
    if task.get("tool") == PYTHON_CALL:
        call = call_text(payload)
        if call is not None:
            return call
    if isinstance(payload, Mapping):
        for key in ("prompt", "script", "command", "text"):
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    if payload is None:
        return ""
    if isinstance(payload, str):
        return " ".join(payload.split())
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def waits_for(task: Mapping[str, Any], name: Callable[[str], str] = str) -> str:
    """What a blocked task waits for (``waits for BACKEND-0001, BACKEND-0002``), its
    ``blocked_by`` ids shown through ``name``; empty for any other task."""
    if task.get("status") != "blocked" or not task.get("blocked_by"):
        return ""
    return "waits for " + ", ".join(name(id_) for id_ in task["blocked_by"])


def pretty_json(value: Any) -> str:
    """A JSON value indented for reading."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class TaskFilter:
    """What the Tasks pane shows: free text (the daemon's ``search``) and statuses."""

    search: str = ""
    statuses: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.search or self.statuses)

    def describe(self) -> str:
        parts = [f"status:{','.join(self.statuses)}"] if self.statuses else []
        if self.search:
            parts.append(repr(self.search))
        return " ".join(parts)


def _statuses(wanted: str) -> list[str] | None:
    """``run,fail`` → running, failed; None unless every part names exactly one status."""
    found = []
    for part in wanted.split(","):
        match = [s for s in ALL_STATUSES if part and s.startswith(part)]
        if len(match) != 1:
            return None
        found.append(match[0])
    return found


def parse_filter(text: str) -> TaskFilter:
    """Parse ``status:running,failed some words`` (``is:`` works too; statuses may be
    abbreviated, and several ``status:`` words add up)."""
    statuses: list[str] = []
    words: list[str] = []
    for word in text.split():
        lowered = word.lower()
        prefix = next((p for p in STATUS_PREFIXES if lowered.startswith(p)), None)
        if prefix is not None:
            found = _statuses(lowered[len(prefix) :])
            if found is not None:
                statuses += found
                continue
        words.append(word)
    return TaskFilter(search=" ".join(words), statuses=tuple(dict.fromkeys(statuses)))


def format_counts(counts: Mapping[str, int]) -> str:
    """``○ 3  ▶ 1  ✓ 12  ✗ 0`` in status order."""
    return "  ".join(f"{STATUS_GLYPHS[s]} {counts.get(s, 0)}" for s in STATUSES)


def cycle(items: Sequence[T], current: T | None, step: int = 1) -> T:
    """The item after ``current`` (wrapping); the first when ``current`` is not there."""
    if not items:
        raise ValueError("nothing to cycle through")
    try:
        index = items.index(current)  # type: ignore[arg-type]
    except ValueError:
        return items[0]
    return items[(index + step) % len(items)]


def utc_now() -> datetime:
    return datetime.now(UTC)
