"""JSON-RPC methods, one module per namespace; importing this package registers them all."""

from sparkq_daemon.methods import (
    catalog,
    config,
    events,
    queues,
    schedules,
    sessions,
    system,
    tasks,
    tokens,
)

__all__ = [
    "catalog",
    "config",
    "events",
    "queues",
    "schedules",
    "sessions",
    "system",
    "tasks",
    "tokens",
]
