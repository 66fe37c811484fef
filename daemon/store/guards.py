"""Guards both engines put on a state change, over a task row of either engine."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.errors import Conflict


def fence_columns(attempt: int | None, lease: int | None) -> list[tuple[str, int]]:
    """The columns a report's claim fence compares, with their values: ``attempts`` for
    ``attempt``, ``lease`` for ``lease`` (which never repeats, so it names one claim)."""
    out = []
    if attempt is not None:
        out.append(("attempts", attempt))
    if lease is not None:
        out.append(("lease", lease))
    return out


def check_running(
    row: Any, worker: str | None, action: str, attempt: int | None, lease: int | None = None
) -> None:
    """``Conflict`` unless ``row`` is running (held by ``worker``, at ``attempt`` and
    ``lease``, when given); ``action`` says what could not be done."""
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
    if lease is not None and row["lease"] != lease:
        raise Conflict(
            f"task {row['friendly_id']} was claimed again since lease {lease} (it is at lease "
            f"{row['lease']}); it cannot be {action}",
            id=row["id"],
            status=row["status"],
            lease=row["lease"],
        )
