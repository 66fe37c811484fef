"""Which token scope each method needs: the one table the TCP listener checks.

Scopes are ordered: ``read`` < ``worker`` < ``admin``. A method not listed here needs
``admin``, so a new method is admin-only until it is classified."""

from __future__ import annotations

SCOPES = ("read", "worker", "admin")
_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}

_READ = (
    "system.ping",
    "system.info",
    "system.stats",
    "system.methods",
    "session.list",
    "session.get",
    "queue.list",
    "queue.get",
    "task.get",
    "task.list",
    "task.peek",
    "task.wait",
    "task.logs",
    "task.events",
    "events.subscribe",
    "tool.list",
    "task_class.list",
    "prompt.list",
    "prompt.get",
    "role.list",
    "worker.list",
    "queue.throughput",
    "schedule.list",
    "schedule.get",
)
_WORKER = (
    "task.claim",
    "task.heartbeat",
    "task.progress",
    "task.log",
    "task.complete",
    "task.fail",
    "task.requeue",
    "task.enqueue",
    "task.enqueue_batch",
    "worker.hello",
)

# method -> the least scope that may call it (auth.hello is answered before any scope).
METHOD_SCOPES: dict[str, str] = {
    **dict.fromkeys(_READ, "read"),
    **dict.fromkeys(_WORKER, "worker"),
}
DEFAULT_SCOPE = "admin"


def required_scope(method: str) -> str:
    """The least scope that may call ``method``."""
    return METHOD_SCOPES.get(method, DEFAULT_SCOPE)


def allows(scope: str, method: str) -> bool:
    """Whether a token of ``scope`` may call ``method``."""
    return _RANK[scope] >= _RANK[required_scope(method)]
