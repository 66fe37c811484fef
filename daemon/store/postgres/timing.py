"""When a new or rescheduled task is due and when it expires (PROTOCOL.md v2 "Enqueue"),
checked against the database's time (unix seconds read by the caller)."""

from __future__ import annotations

from sparkq_daemon.clock import iso_from_unix
from sparkq_daemon.errors import Validation
from sparkq_daemon.store.base import EnqueueItem

HORIZON = 365 * 24 * 3600.0  # a due time further away than this is refused


def has_timing(item: EnqueueItem) -> bool:
    """Whether the item names a due time or an expiry (most do not: due now, for ever)."""
    return not (
        item.delay is None and item.run_at is None and item.ttl is None and item.expires_at is None
    )


def due_time(now: float, delay: float | None, run_at: float | None) -> float | None:
    """The due time (unix seconds) of ``delay`` or ``run_at``; refuses one over a year away."""
    if delay is not None:
        when, member, shown = now + delay, "delay", f"{delay:g}"
    elif run_at is not None:
        when, member, shown = run_at, "run_at", iso_from_unix(run_at)
    else:
        return None
    if when > now + HORIZON:
        raise Validation(
            f"{member} {shown} is more than a year away; the furthest due time is "
            f"{iso_from_unix(now + HORIZON)}",
            field=member,
        )
    return when


def item_timing(now: float, item: EnqueueItem) -> tuple[float | None, float | None]:
    """(run_at, expires_at) of a new task as unix seconds (None: not set)."""
    when = due_time(now, item.delay, item.run_at)
    start = max(when, now) if when is not None else now
    if item.ttl is not None:
        if item.ttl > HORIZON:
            raise Validation(f"ttl {item.ttl:g} is more than a year", field="ttl")
        return when, start + item.ttl
    if item.expires_at is not None:
        if item.expires_at <= start:
            raise Validation(
                f"expires_at {iso_from_unix(item.expires_at)} is not after the task is due "
                f"({iso_from_unix(start)})",
                field="expires_at",
            )
        if item.expires_at > start + HORIZON:
            raise Validation(
                f"expires_at {iso_from_unix(item.expires_at)} is more than a year after the "
                "task is due",
                field="expires_at",
            )
    return when, item.expires_at
