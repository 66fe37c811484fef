"""Counters and histograms of what this daemon did, fed by the event bus (``EventBus.listen``):
every committed write's events pass through it, in the committing call.

Each daemon of a cluster counts its own writes: events an engine relays from other daemons
(marked ``remote``) are skipped. Labels: ``queue`` (its name) and ``tool``; failures add
``reason`` (the event's, else ``error``)."""

from __future__ import annotations

import collections
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

# Seconds, from a quick script to a long model call or a backlog of hours.
BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)
LABELS = ("queue", "tool")


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def _labels(event: dict[str, Any]) -> tuple[str, str]:
    return event.get("queue_name") or event["queue_id"], event.get("tool") or ""


class EventCounters:
    """The counters and histograms, and ``observe``, the bus listener that moves them."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def counter(name: str, doc: str, *extra: str) -> Counter:
            return Counter(name, doc, [*LABELS, *extra], registry=registry)

        def histogram(name: str, doc: str) -> Histogram:
            return Histogram(name, doc, LABELS, buckets=BUCKETS, registry=registry)

        self.enqueued = counter("sparkq_tasks_enqueued", "Tasks enqueued (this daemon)")
        self.claimed = counter("sparkq_tasks_claimed", "Tasks claimed (this daemon)")
        self.completed = counter("sparkq_tasks_completed", "Tasks that succeeded (this daemon)")
        self.failed = counter(
            "sparkq_tasks_failed",
            "Tasks that failed for good (this daemon), by reason: error, timeout, stale, expired",
            "reason",
        )
        self.retried = counter(
            "sparkq_tasks_retried", "Tasks put back in their queue to run again (this daemon)"
        )
        self.wait = histogram("sparkq_task_wait_seconds", "Time from enqueue to claim")
        self.run = histogram("sparkq_task_run_seconds", "Time from claim to success or failure")

    def observe(self, events: list[dict[str, Any]]) -> None:
        """Count one published batch (a batch enqueue is a thousand events: those are
        added up first, so a batch costs one increment per queue and tool)."""
        enqueued: collections.Counter[tuple[str, str]] = collections.Counter()
        for event in events:
            if event.get("topic") != "task" or event.get("remote"):
                continue
            kind = event["type"]
            if kind == "task.enqueued":
                enqueued[_labels(event)] += 1
            elif kind == "task.claimed":
                self._claimed(event)
            elif kind in ("task.completed", "task.failed"):
                self._finished(event)
            elif kind in ("task.requeued", "task.retrying"):
                self.retried.labels(*_labels(event)).inc()
        for labels, n in enqueued.items():
            self.enqueued.labels(*labels).inc(n)

    def _claimed(self, event: dict[str, Any]) -> None:
        labels = _labels(event)
        self.claimed.labels(*labels).inc()
        waited = _seconds_between(event.get("created_at"), event.get("claimed_at"))
        if waited is not None:
            self.wait.labels(*labels).observe(waited)

    def _finished(self, event: dict[str, Any]) -> None:
        labels = _labels(event)
        if event["type"] == "task.completed":
            self.completed.labels(*labels).inc()
        else:
            self.failed.labels(*labels, event.get("reason") or "error").inc()
        ran = _seconds_between(event.get("claimed_at"), event.get("finished_at"))
        if ran is not None:
            self.run.labels(*labels).observe(ran)
