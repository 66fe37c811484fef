"""The CLI's time options: durations (``90``, ``90s``, ``10m``, ``2h``, ``1d``), local times
(``2026-12-24T09:00``) and backoff specs (``exp:10s[:1h]``, ``fixed:30s[:MAX]``).

Each parser raises ``ValueError`` with a sentence naming the bad text; the CLI turns it into
a usage error (exit 2)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
BACKOFF_TYPES = {"exp": "exponential", "exponential": "exponential", "fixed": "fixed"}


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``10m``, ``2h``, ``1d`` (a decimal number is allowed)."""
    found = DURATION.match(text.lower())
    if found is None:
        raise ValueError(
            f"{text!r} is not a duration: use seconds (90), or a number with s, m, h or d "
            "(90s, 10m, 2h, 1d)"
        )
    seconds = float(found.group(1)) * UNITS[found.group(2)]
    return int(seconds) if seconds.is_integer() else seconds


def parse_local_time(text: str) -> str:
    """An ISO 8601 time with its offset; a time without one is taken as local time."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use YYYY-MM-DDTHH:MM (local time) or add an offset "
            "(2026-12-24T09:00+01:00)"
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # the local time zone
    return when.isoformat()


def parse_backoff(text: str) -> dict[str, Any]:
    """``exp:10s`` or ``exp:10s:1h`` (exponential from 10 s, at most 1 h), ``fixed:30s``."""
    parts = text.split(":")
    kind = BACKOFF_TYPES.get(parts[0].strip().lower())
    if kind is None or len(parts) not in (2, 3):
        raise ValueError(
            f"{text!r} is not a backoff: use exp:DELAY[:MAX] or fixed:DELAY[:MAX] "
            "(like exp:10s:1h or fixed:30s)"
        )
    backoff: dict[str, Any] = {"type": kind, "delay": parse_duration(parts[1])}
    if len(parts) == 3:
        backoff["max_delay"] = parse_duration(parts[2])
    return backoff
