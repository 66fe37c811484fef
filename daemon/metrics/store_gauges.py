"""Gauges read from the store at each scrape, through the Store protocol (on a cluster: the
shared database's numbers, the same from every daemon), and the runners connected here."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sparkq_daemon.context import Daemon


class StoreGauges(Collector):
    """A collector over the last ``refresh``: call it just before each exposition
    (a collector's ``collect`` is synchronous; the store is read asynchronously)."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self._queues: list[dict[str, Any]] = []
        self._oldest: dict[str, str] = {}
        self._read_at = time.time()

    async def refresh(self) -> None:
        """Read the per-queue counts and each queue's oldest queued task."""
        store = self.daemon.store
        self._queues = await store.queue_list(None, None, True)
        self._oldest = await store.oldest_queued()
        self._read_at = time.time()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        tasks = GaugeMetricFamily(
            "sparkq_tasks", "Tasks in the store, by queue and status", labels=["queue", "status"]
        )
        for queue in self._queues:
            for status, n in queue["counts"].items():
                tasks.add_metric([queue["name"], status], n)
        yield tasks
        age = GaugeMetricFamily(
            "sparkq_queue_oldest_queued_age_seconds",
            "Seconds the oldest queued task of each queue has waited (queues with one)",
            labels=["queue"],
        )
        for name, created_at in sorted(self._oldest.items()):
            waited = self._read_at - datetime.fromisoformat(created_at).timestamp()
            age.add_metric([name], max(0.0, waited))
        yield age
        yield GaugeMetricFamily(
            "sparkq_runners_connected",
            "Open connections to this daemon that have asked for a task (task.claim)",
            value=self.daemon.runners_connected(),
        )
