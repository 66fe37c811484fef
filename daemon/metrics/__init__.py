"""Prometheus metrics: with ``metrics.listen: "HOST:PORT"`` in sparkq.yml the daemon serves
``/metrics`` in Prometheus' text format.

``event_counters``: what this daemon did (counters and histograms fed by the event bus);
``store_gauges``: what the store holds (read at each scrape); ``registry``: both in one private
registry; ``endpoint``: the HTTP listener."""

from __future__ import annotations

from sparkq_daemon.context import Daemon
from sparkq_daemon.metrics.endpoint import MetricsEndpoint
from sparkq_daemon.metrics.registry import DaemonMetrics

__all__ = ["DaemonMetrics", "MetricsEndpoint", "start"]


async def start(daemon: Daemon) -> MetricsEndpoint | None:
    """Count the daemon's events and serve ``/metrics`` when ``metrics.listen`` is set;
    sets ``daemon.metrics_url``. An address that cannot be bound raises ``OSError`` naming
    the setting."""
    where = daemon.config.metrics_listen()
    if where is None:
        return None
    metrics = DaemonMetrics(daemon)
    endpoint = MetricsEndpoint(*where, metrics.render)
    try:
        daemon.metrics_url = await endpoint.start()
    except OSError as exc:
        raise OSError(f"metrics.listen: cannot listen on {where[0]}:{where[1]}: {exc}") from None
    daemon.bus.listen(metrics.counters.observe)
    return endpoint
