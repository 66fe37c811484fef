"""A queue row's flow-control cell: why a claim on it would wait, or its limits."""

from __future__ import annotations

from typing import Any

from rich.text import Text

BARS = 5  # at most this many slot marks; wider limits show only the numbers


def limit_text(queue: dict[str, Any]) -> Text:
    """``⏸ paused``; ``▮▮ 2/2`` (running of the concurrency, one mark per slot, filled while
    running); ``rate 1.2s`` (the window is full: its next slot in 1.2 s); ``10/60s`` (a rate
    limit with room); empty without limits."""
    if queue.get("paused"):
        return Text("⏸ paused", style="bold yellow")
    running, limit = queue.get("running") or 0, queue.get("concurrency")
    blocked = queue.get("blocked")
    if blocked == "rate":
        wait = queue.get("rate_retry_after")
        return Text(f"rate {wait:.1f}s" if wait is not None else "rate", style="bold yellow")
    if limit is not None:
        marks = "▮" * min(running, limit) + "▯" * max(0, limit - running)
        shown = f"{marks} {running}/{limit}" if limit <= BARS else f"{running}/{limit}"
        return Text(shown, style="bold yellow" if blocked == "concurrency" else "")
    rate = queue.get("rate_limit")
    if rate:
        return Text(f"{rate['limit']}/{rate['per']}s", style="dim")
    return Text("")
