"""Guards both engines put on a state change, over a task row of either engine."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.errors import Conflict


def check_running(row: Any, worker: str | None, action: str, attempt: int | None) -> None:
    """``Conflict`` unless ``row`` is running (held by ``worker``, at ``attempt``, when
    given); ``action`` says what could not be done."""
    if row["status"] != "running":
        raise Conflict(
            f"task {row['friendly_id']} is {row['status']}, not running; it cannot be {action}",
            id=row["id"],
            status=row["status"],
        )
    if worker is not None and row["worker"] not in (None, worker):
        raise Conflict(
            f"task {row['friendly_id']} is held by {row['worker']!r}, not {worker!r}",
            id=row["id"],
            status=row["status"],
        )
    if attempt is not None and row["attempts"] != attempt:
        raise Conflict(
            f"task {row['friendly_id']} is running attempt {row['attempts']}, not attempt "
            f"{attempt}; it cannot be {action}",
            id=row["id"],
            status=row["status"],
            attempt=row["attempts"],
        )
