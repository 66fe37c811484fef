"""``sparkq queue limit Q [--concurrency N | --no-concurrency] [--rate N/s|N/min|N/h |
--no-rate]``: a queue's flow-control limits (``queue.update``)."""

from __future__ import annotations

import re
from typing import Any

from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import emit, say

UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")
CLEAR = ("none", "off")


def add_options(p: Any) -> None:
    p.add_argument("queue", help="name or id")
    p.add_argument("--concurrency", default=None, help="at most N tasks running at once (none)")
    p.add_argument("--no-concurrency", action="store_true", help="remove the concurrency limit")
    p.add_argument("--rate", default=None, help="at most N claims per s, min or h: 10/min (none)")
    p.add_argument("--no-rate", action="store_true", help="remove the rate limit")


def parse_rate(text: str) -> dict[str, Any] | None:
    """``10/min`` -> ``{limit: 10, per: 60}``; ``none`` -> None (a usage error otherwise)."""
    if text.strip().lower() in CLEAR:
        return None
    match = RATE_RE.match(text.lower())
    if match is None or match.group(2) not in UNITS:
        raise UsageError(f"--rate {text!r}: write N/s, N/min or N/h (or none), e.g. 10/min")
    return {"limit": int(match.group(1)), "per": UNITS[match.group(2)]}


def parse_concurrency(text: str) -> int | None:
    if text.strip().lower() in CLEAR:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--concurrency {text!r}: write a whole number (or none)") from None


def describe(queue: dict[str, Any]) -> str:
    """``concurrency 2, rate 10/60s`` or ``none``."""
    parts = []
    if queue.get("concurrency") is not None:
        parts.append(f"concurrency {queue['concurrency']}")
    rate = queue.get("rate_limit")
    if rate:
        parts.append(f"rate {rate['limit']}/{rate['per']}s")
    return ", ".join(parts) or "none"


def limit(ctx: Context) -> int:
    args = ctx.args
    params: dict[str, Any] = {"queue": args.queue}
    if args.concurrency is not None and args.no_concurrency:
        raise UsageError("give --concurrency or --no-concurrency, not both")
    if args.rate is not None and args.no_rate:
        raise UsageError("give --rate or --no-rate, not both")
    if args.no_concurrency:
        params["concurrency"] = None
    elif args.concurrency is not None:
        params["concurrency"] = parse_concurrency(args.concurrency)
    if args.no_rate:
        params["rate_limit"] = None
    elif args.rate is not None:
        params["rate_limit"] = parse_rate(args.rate)
    if len(params) == 1:
        queue = ctx.call("queue.get", queue=args.queue)
    else:
        queue = ctx.call("queue.update", params)
    emit(ctx.json, queue, lambda: say(f"queue {queue['name']} limits: {describe(queue)}"))
    return 0
