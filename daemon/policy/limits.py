"""A queue's flow-control settings as a client sends them (PROTOCOL.md v2 "Flow control"):
``concurrency`` (an integer ≥ 1, or null for none) and ``rate_limit`` (``{limit: n ≥ 1,
per: seconds > 0}``, or null). ``check_*`` validate one and name the bad member and value."""

from __future__ import annotations

import math
from typing import Any

from sparkq_daemon.errors import Validation
from sparkq_daemon.validation import show

LONGEST_WINDOW = 24 * 3600.0  # a rate window longer than a day is refused
MOST = 1_000_000


def check_concurrency(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST:
        raise Validation(
            f"concurrency {show(value)} must be an integer from 1 to {MOST}, or null for none",
            field="concurrency",
        )
    return value


def check_rate_limit(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Validation(
            f"rate_limit must be an object {{limit, per}} or null, not {show(value)}",
            field="rate_limit",
        )
    unknown = sorted(set(value) - {"limit", "per"})
    if unknown:
        raise Validation(
            f"rate_limit has an unknown member {show(unknown[0])} (accepted: limit, per)",
            field="rate_limit",
        )
    limit, per = value.get("limit"), value.get("per")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MOST:
        raise Validation(
            f"rate_limit.limit {show(limit)} must be an integer from 1 to {MOST}",
            field="rate_limit",
        )
    if (
        isinstance(per, bool)
        or not isinstance(per, int | float)
        or not math.isfinite(per)
        or not 0 < per <= LONGEST_WINDOW
    ):
        raise Validation(
            f"rate_limit.per {show(per)} must be a number of seconds above 0 and at most "
            f"{LONGEST_WINDOW:g}",
            field="rate_limit",
        )
    return {"limit": limit, "per": per}
