"""The wait before a failed task's next attempt (PROTOCOL.md v2 "Enqueue": ``backoff``).

A backoff is the object ``{type: "exponential" | "fixed", delay: s > 0, max_delay?: s,
jitter?: 0..1}``. ``check`` validates one as a client sends it and fills in the defaults;
``delay_before`` gives the wait before attempt ``n + 1`` after ``n`` failed attempts:
``delay``·2ⁿ⁻¹ (exponential) or ``delay`` (fixed), capped by ``max_delay``, then spread by
±``jitter`` with a random source the caller may inject. Modelled on procrastinate's
``retry.py`` (``RetryStrategy.get_schedule_in``), without its exception matching."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from sparkq_daemon.errors import Validation
from sparkq_daemon.validation import show

TYPES = ("exponential", "fixed")
DEFAULT_MAX_DELAY = 3600.0
LONGEST = 365 * 24 * 3600.0  # no wait between attempts is longer than a year
DEFAULT_JITTER = 0.2
DEFAULT: dict[str, Any] = {
    "type": "exponential",
    "delay": 10,
    "max_delay": DEFAULT_MAX_DELAY,
    "jitter": DEFAULT_JITTER,
}
MEMBERS = ("type", "delay", "max_delay", "jitter")
Random = Callable[[], float]  # uniform in [0, 1), as random.random


def _seconds(backoff: dict[str, Any], member: str, field: str) -> float:
    value = backoff[member]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Validation(
            f"{field}.{member} must be a number of seconds, not {show(value)}", field=field
        )
    if value <= 0:
        raise Validation(f"{field}.{member} {show(value)} must be above 0 seconds", field=field)
    if value > LONGEST:
        raise Validation(
            f"{field}.{member} {show(value)} is more than a year ({LONGEST:g} seconds)",
            field=field,
        )
    return value


def check(value: Any, field: str = "backoff") -> dict[str, Any]:
    """The backoff object ``value`` with its defaults filled in; ``Validation`` naming the
    member and the value when it is not one."""
    if not isinstance(value, dict):
        raise Validation(
            f"{field} must be an object {{type, delay, max_delay?, jitter?}}, not {show(value)}",
            field=field,
        )
    unknown = sorted(set(value) - set(MEMBERS))
    if unknown:
        raise Validation(
            f"{field} has an unknown member {unknown[0]!r} (known: {', '.join(MEMBERS)})",
            field=field,
        )
    for member in ("type", "delay"):
        if member not in value:
            raise Validation(f"{field} lacks its {member!r}", field=field)
    if value["type"] not in TYPES:
        raise Validation(
            f"{field}.type {show(value['type'])} is not one of: {', '.join(TYPES)}", field=field
        )
    out = {**DEFAULT, **{k: v for k, v in value.items() if v is not None}}
    out["delay"] = _seconds(out, "delay", field)
    out["max_delay"] = _seconds(out, "max_delay", field)
    jitter = out["jitter"]
    if isinstance(jitter, bool) or not isinstance(jitter, int | float) or not (0 <= jitter <= 1):
        raise Validation(f"{field}.jitter {show(jitter)} must be from 0 to 1", field=field)
    return out


def base_delay(backoff: dict[str, Any], failed_attempts: int) -> float:
    """The wait before attempt ``failed_attempts + 1``, capped, before jitter."""
    n = max(1, failed_attempts)
    delay = float(backoff["delay"])
    cap = float(backoff.get("max_delay") or DEFAULT_MAX_DELAY)
    if backoff["type"] == "fixed":
        return min(delay, cap)
    # 2**(n-1) overflows a float past n = 1024: stop doubling once the cap is reached.
    if n - 1 >= 64 or delay * 2 ** (n - 1) >= cap:
        return cap
    return delay * 2 ** (n - 1)


def delay_before(
    backoff: dict[str, Any], failed_attempts: int, rand: Random = random.random
) -> float:
    """The wait in seconds before the next attempt after ``failed_attempts`` attempts:
    ``base_delay`` spread uniformly by ±``jitter`` (never below 0)."""
    base = base_delay(backoff, failed_attempts)
    jitter = float(backoff.get("jitter", DEFAULT_JITTER))
    return max(0.0, base * (1 + jitter * (2 * rand() - 1)))
