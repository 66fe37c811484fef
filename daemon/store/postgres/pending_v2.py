"""What the PostgreSQL engine does not do yet of "time and failure" (PROTOCOL.md v2): delays,
retries, expiry, cancellation, rescheduling, redrive and the timeline. Asking for one is a
``Validation`` (a member) or ``Conflict`` (a method) that says so, never a silent no-op; the
attempt fence, which every runner sends, is kept."""

from __future__ import annotations

from collections.abc import Sequence

from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.store.base import EnqueueItem, Task

V2_ITEM_MEMBERS = ("delay", "run_at", "ttl", "expires_at")
ENGINE = "the PostgreSQL engine"


def refuse_item_members(items: Sequence[EnqueueItem]) -> None:
    """Refuse enqueue members this engine cannot honour yet, naming the first one."""
    for item in items:
        for member in V2_ITEM_MEMBERS:
            if getattr(item, member) is not None:
                raise Validation(f"{member} is not available on {ENGINE} yet", field=member)


def refuse_method(method: str) -> Conflict:
    return Conflict(f"{method} is not available on {ENGINE} yet")


def check_fence(task: Task, attempt: int | None) -> None:
    """``Conflict`` unless ``task`` is running ``attempt`` (when one is named)."""
    if attempt is None:
        return
    if task["status"] != "running" or task["attempts"] != attempt:
        raise Conflict(
            f"task {task['friendly_id']} is {task['status']} at attempt {task['attempts']}, "
            f"not running attempt {attempt}",
            id=task["id"],
            status=task["status"],
        )
