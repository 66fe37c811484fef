"""JSON-RPC methods, one module per namespace; importing this package registers them all."""

from sparkq_daemon.methods import (
    catalog,
    config,
    events,
    logs,
    progress,
    queues,
    roles,
    schedules,
    sessions,
    system,
    task_wait,
    tasks,
    throughput,
    tokens,
    webhooks,
    workers,
)

__all__ = [
    "catalog",
    "config",
    "events",
    "logs",
    "progress",
    "queues",
    "roles",
    "schedules",
    "sessions",
    "system",
    "task_wait",
    "tasks",
    "throughput",
    "tokens",
    "webhooks",
    "workers",
]
