"""``Result``: how a python-call task ended, read from its Task."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TERMINAL = ("succeeded", "failed", "cancelled")
TRACEBACK_HEAD = "Traceback (most recent call last):"


class ResultTimeout(TimeoutError):
    """``result()`` gave up waiting: the task had not ended by the timeout."""

    def __init__(self, task: dict[str, Any], timeout: float | None) -> None:
        label = task.get("friendly_id") or task.get("id")
        super().__init__(f"task {label} is still {task.get('status')} after {timeout:g} s")
        self.task = task


class TaskFailed(Exception):
    """``Result.get()`` of a task that failed or was cancelled; ``result`` holds the rest."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"task {result.task_id} {result.status}: {result.error}")
        self.result = result


@dataclass(frozen=True)
class Result:
    """A finished task: ``status`` (succeeded, failed or cancelled), the function's ``value``,
    or its ``error`` (``"ValueError: bad width"``) and ``traceback``; timings in seconds."""

    task_id: str
    status: str
    value: Any = None
    error: str | None = None
    traceback: str | None = None
    attempts: int = 0
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    task: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def queued_s(self) -> float | None:
        """Seconds from enqueue to the last start."""
        return _between(self.enqueued_at, self.started_at)

    @property
    def run_s(self) -> float | None:
        """Seconds the last attempt ran."""
        return _between(self.started_at, self.finished_at)

    def get(self) -> Any:
        """The value; ``TaskFailed`` when the task failed or was cancelled."""
        if not self.ok:
            raise TaskFailed(self)
        return self.value

    @classmethod
    def from_task(cls, task: dict[str, Any]) -> Result:
        error, trace = split_error(task.get("error"))
        return cls(
            task_id=task.get("friendly_id") or task["id"],
            status=task["status"],
            value=task.get("result") if task["status"] == "succeeded" else None,
            error=error,
            traceback=trace,
            attempts=task.get("attempts") or 0,
            enqueued_at=_time(task.get("created_at")),
            started_at=_time(task.get("claimed_at")),
            finished_at=_time(task.get("finished_at")),
            task=task,
        )


def split_error(text: str | None) -> tuple[str | None, str | None]:
    """(the one-line error, the traceback) of a python-call task's error text."""
    if not text:
        return text, None
    head, found, rest = text.partition(TRACEBACK_HEAD)
    if not found:
        return text, None
    return head.strip() or text.strip().splitlines()[-1], found + rest


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _between(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None
