"""The flow-control members of a Queue object, shaped once for both engines."""

from __future__ import annotations

import time
from typing import Any

from sparkq_daemon.store.values import seconds


def members(
    paused: bool,
    concurrency: int | None,
    rate_limit: int | None,
    rate_per: float | None,
    running: int,
    rate_until: float | None,
    now: float | None = None,
) -> dict[str, Any]:
    """``concurrency``, ``rate_limit`` (``{limit, per}`` or None), ``running``, and
    ``blocked``: why a claim would get nothing now (``paused``, ``concurrency``, ``rate``) or
    None; with ``rate``, ``rate_retry_after`` seconds. ``rate_until`` is when a full window
    next opens a slot (unix seconds)."""
    now = time.time() if now is None else now
    rate = {"limit": rate_limit, "per": seconds(rate_per)} if rate_limit is not None else None
    out: dict[str, Any] = {
        "concurrency": concurrency,
        "rate_limit": rate,
        "running": running,
        "blocked": None,
    }
    if paused:
        out["blocked"] = "paused"
    elif concurrency is not None and running >= concurrency:
        out["blocked"] = "concurrency"
    elif rate is not None and rate_until is not None and rate_until > now:
        out["blocked"] = "rate"
        out["rate_retry_after"] = round(rate_until - now, 3)
    return out
