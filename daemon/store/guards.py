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
    for column, wanted in fence_columns(attempt, lease):
        if row[column] != wanted:
            raise Conflict(
                _FENCE_REFUSALS[column, wanted < row[column]].format(
                    task=row["friendly_id"], now=row[column], wanted=wanted, action=action
                ),
                id=row["id"],
                status=row["status"],
                **{_FENCE_MEMBERS[column]: row[column]},
            )


_RUNNING_OTHER = "task {task} is running {name} {now}, not {name} {wanted}; it cannot be {action}"
# (column, the report's claim is older than the task's) -> the refusal
_FENCE_REFUSALS = {
    ("attempts", True): _RUNNING_OTHER.replace("{name}", "attempt"),
    ("attempts", False): _RUNNING_OTHER.replace("{name}", "attempt"),
    ("lease", True): "task {task} was claimed again since lease {wanted} (it is at lease {now}); "
    "it cannot be {action}",
    ("lease", False): _RUNNING_OTHER.replace("{name}", "lease"),
}
_FENCE_MEMBERS = {"attempts": "attempt", "lease": "lease"}  # the refusal's data member
