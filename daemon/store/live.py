"""What both engines share for watching work: the events of ``task.progress`` and
``task.log``, and the bounds of live output kept per task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOG_TAIL_BYTES = 1024 * 1024  # live output kept per task: beyond it, the oldest lines go


def progress_event(task: dict[str, Any], at: str) -> dict[str, Any]:
    """The ``task.progress`` event of a task whose progress was just reported."""
    return {
        "topic": "task",
        "type": "task.progress",
        "id": task["id"],
        "friendly_id": task["friendly_id"],
        "queue_id": task["queue_id"],
        "queue_name": task.get("queue_name") or "",
        "tool": task["tool"],
        "status": task["status"],
        "worker": task["worker"],
        "attempt": task["attempts"],
        "progress": task["progress"],
        "at": at,
    }


def log_event(task: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
    """The ``task.log`` event of one chunk of live output: ``line`` as ``task.logs`` gives it
    (``{seq, at, stream, text}``; the event's own ``seq`` is the event stream's)."""
    return {
        "topic": "task",
        "type": "task.log",
        "id": task["id"],
        "friendly_id": task["friendly_id"],
        "queue_id": task["queue_id"],
        "line": line,
        "at": line["at"],
    }


@dataclass(frozen=True, slots=True)
class Hello:
    """``worker.hello``: a runner on one connection (``id``) says who it is."""

    id: str
    name: str
    host: str
    pid: int | None = None
    queues: tuple[str, ...] = ()
    tools: tuple[str, ...] | None = None
    concurrency: int | None = None


def worker_event(type_: str, worker: dict[str, Any], at: str) -> dict[str, Any]:
    """``worker.joined`` / ``worker.left`` on topic ``worker``."""
    return {
        "topic": "worker",
        "type": type_,
        **{k: worker[k] for k in ("id", "name", "host", "pid", "queues", "tools", "concurrency")},
        "at": at,
    }
