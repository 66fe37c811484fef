"""The daemon's metrics in one private ``CollectorRegistry`` (never prometheus_client's global
one: several daemons, or tests, in one process keep their numbers apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from sparkq_daemon.context import Daemon
from sparkq_daemon.metrics.event_counters import EventCounters
from sparkq_daemon.metrics.store_gauges import StoreGauges


class DaemonMetrics:
    """This daemon's counters and the store's gauges, rendered together."""

    def __init__(self, daemon: Daemon) -> None:
        self.registry = CollectorRegistry()
        self.counters = EventCounters(self.registry)
        self.gauges = StoreGauges(daemon)
        self.registry.register(self.gauges)

    async def render(self) -> bytes:
        """The text exposition, with the gauges read from the store just now."""
        await self.gauges.refresh()
        return generate_latest(self.registry)
