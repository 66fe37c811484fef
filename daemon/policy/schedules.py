"""Schedules (PROTOCOL.md v2 "Flow control"): when a schedule's slots fall, and what one
firing does. Pure functions of the schedule and the time; both engines store and fire.

Timing is ``cron`` (5 fields, 6 with the seconds first, or ``@hourly``/``@daily``/
``@weekly``/``@monthly``; croniter computes it in the schedule's IANA ``timezone`` through
``zoneinfo``) or ``every`` seconds (anchored on the schedule's ``anchor``, so it never
drifts). Daylight saving: a time that does not exist (spring forward) fires just after the
gap; a time that occurs twice (autumn) fires once, unless the cron's hour field is a
wildcard (``0 * * * *`` runs both 02:00s, as hours really pass)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterError

from sparkq_daemon.errors import Validation
from sparkq_daemon.validation import show

OVERLAP = ("skip", "allow")
CATCH_UP = ("one", "none")
SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
}
LIVE = ("queued", "scheduled", "blocked", "running")
MOST_SLOTS = 10_000  # slots counted one by one after downtime; beyond, they are not counted
LONGEST_EVERY = 366 * 24 * 3600.0
GRACE = 1.0  # seconds late a slot may fire at a start and still be on time (catch_up none)


def check_cron(cron: Any) -> str:
    """A valid cron expression (as given), or ``Validation`` naming it and the problem."""
    if not isinstance(cron, str) or not cron.strip():
        raise Validation(f"cron must be a cron expression, not {show(cron)}", field="cron")
    text = cron.strip()
    if text.startswith("@"):
        if text.lower() not in SHORTCUTS:
            raise Validation(
                f"cron {show(cron)} is not one of {', '.join(SHORTCUTS)}", field="cron"
            )
        return text.lower()
    fields = text.split()
    if len(fields) not in (5, 6):
        raise Validation(
            f"cron {show(cron)} has {len(fields)} fields: write 5 (minute hour day month "
            "weekday) or 6 with the seconds first",
            field="cron",
        )
    try:
        croniter(text, datetime(2027, 1, 1, tzinfo=UTC), second_at_beginning=len(fields) == 6)
    except (CroniterError, ValueError, KeyError) as exc:
        hint = " (6 fields put the seconds first: S M H DOM MON DOW)" if len(fields) == 6 else ""
        message = f"cron {show(cron)} is not valid: {_reason(exc)}{hint}"
        raise Validation(message, field="cron") from None
    return text


def _reason(exc: Exception) -> str:
    text = str(exc)
    text = text.split("] ", 1)[-1] if "] " in text else text
    return text.removeprefix("is not acceptable, ").replace(
        "out of range", "a field is out of range"
    )


def check_every(every: Any) -> float:
    if (
        isinstance(every, bool)
        or not isinstance(every, int | float)
        or not math.isfinite(every)
        or not 1 <= every <= LONGEST_EVERY
    ):
        raise Validation(
            f"every {show(every)} must be a number of seconds from 1 to {LONGEST_EVERY:g}",
            field="every",
        )
    return every


def check_timezone(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise Validation(f"timezone must be an IANA name, not {show(name)}", field="timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Validation(
            f"timezone {show(name)} is not a known IANA time zone (e.g. Europe/Berlin, UTC)",
            field="timezone",
        ) from None
    return name


def check_timing(cron: Any, every: Any, timezone: Any) -> tuple[str | None, float | None, str]:
    """(cron, every, timezone) of a schedule: exactly one of ``cron`` and ``every``."""
    if (cron is None) == (every is None):
        raise Validation("give one of cron or every (not both, not neither)", field="cron")
    tz = check_timezone(timezone)
    if cron is not None:
        return check_cron(cron), None, tz
    return None, check_every(every), tz


def _expanded(cron: str) -> str:
    return SHORTCUTS.get(cron, cron)


def next_after(
    cron: str | None, every: float | None, timezone: str, anchor: float, after: float
) -> float:
    """The first slot strictly after ``after`` (unix seconds)."""
    if every is not None:
        return anchor + (math.floor((after - anchor) / every) + 1) * every
    assert cron is not None
    expr = _expanded(cron)
    zone = ZoneInfo(timezone)
    six = len(expr.split()) == 6
    fixed_hour = "*" not in expr.split()[2 if six else 1]
    it = croniter(expr, datetime.fromtimestamp(after, zone), second_at_beginning=six)
    for _ in range(3):  # at most one repeated wall time to step over
        slot = it.get_next(float)
        local = datetime.fromtimestamp(slot, zone)
        if fixed_hour and local.fold == 1 and _ambiguous(local):
            continue  # the second 02:30 of an autumn night: a fixed time fires once
        return slot
    return slot


def _ambiguous(local: datetime) -> bool:
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


@dataclass(frozen=True, slots=True)
class Plan:
    """What a firing does: enqueue one task for ``scheduled_for`` (or not), how many slots
    it counts as missed (and why), and the schedule's next slot."""

    fire: bool
    scheduled_for: float | None
    missed: int
    why: str | None
    next_run_at: float


def plan(
    schedule: dict[str, Any], due: float, now: float, previous_live: bool, starting: bool
) -> Plan:
    """The firing of a schedule whose next slot ``due`` has come (``due <= now``).

    The slots due by ``now`` collapse into one firing for the latest of them (the earlier
    ones are missed). ``starting``: the first firing after a start (or a new leader):
    ``catch_up: "none"`` skips them all. ``overlap: "skip"`` skips them while the previous
    task is unfinished (``previous_live``)."""
    cron, every, tz, anchor = (
        schedule["cron"],
        schedule["every"],
        schedule["timezone"],
        schedule["anchor"],
    )
    latest, slots = due, 1
    while slots <= MOST_SLOTS:
        following = next_after(cron, every, tz, anchor, latest)
        if following > now:
            break
        latest, slots = following, slots + 1
    else:
        following = next_after(cron, every, tz, anchor, now)
    if starting and schedule["catch_up"] == "none" and now - due > GRACE:
        return Plan(False, None, slots, "catch_up", following)
    if previous_live and schedule["overlap"] == "skip":
        return Plan(False, None, slots, "overlap", following)
    return Plan(True, latest, slots - 1, "catch_up" if slots > 1 else None, following)
