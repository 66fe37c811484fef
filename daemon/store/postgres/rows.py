"""Records to protocol objects, as the SQLite engine shapes them (PROTOCOL.md "Objects")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from sparkq_daemon.store import queue_limits
from sparkq_daemon.store.values import (  # noqa: F401 - re-exported
    TASK_STATUSES,
    TERMINAL,
    decode,
    encode,
    queue_status,
    seconds,
)

TASK_COLUMNS = (
    "id, friendly_id, queue_id, tool, task_class, payload, status, priority, timeout, attempts, "
    "lease, worker, result, error, stdout, stderr, created_at, updated_at, claimed_at, "
    "heartbeat_at, finished_at, stale_warned_at, run_at, max_attempts, backoff, reason, expires_at, "
    "unique_key, depends_on, blocked_by, dependants, progress, role, schedule_id, scheduled_for"
)
_TASK_TIMES = ("created_at", "updated_at", "claimed_at", "heartbeat_at", "finished_at")


def iso(value: datetime | None) -> str | None:
    """A timestamp as the protocol writes it: UTC, microseconds, ``+00:00``."""
    return None if value is None else value.isoformat(timespec="microseconds")


def plain(record: asyncpg.Record) -> dict[str, Any]:
    """A record as a dict, timestamps as ISO strings."""
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in record.items()}


def session(record: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": record["id"],
        "name": record["name"],
        "description": record["description"],
        "status": record["status"],
        "created_at": iso(record["created_at"]),
        "updated_at": iso(record["updated_at"]),
        "ended_at": iso(record["ended_at"]),
    }


def task(record: asyncpg.Record) -> dict[str, Any]:
    """A task record (with its ``queue_name`` column) as the protocol's Task object."""
    out = {
        "id": record["id"],
        "friendly_id": record["friendly_id"],
        "queue_id": record["queue_id"],
        "tool": record["tool"],
        "task_class": record["task_class"],
        "payload": decode(record["payload"]),
        "status": record["status"],
        "priority": record["priority"],
        "timeout": seconds(record["timeout"]),
        "attempts": record["attempts"],
        "lease": record["lease"],
        "worker": record["worker"],
        "result": decode(record["result"]),
        "error": record["error"],
        "stdout": record["stdout"],
        "stderr": record["stderr"],
    }
    for key in _TASK_TIMES:
        out[key] = iso(record[key])
    out["stale_warned_at"] = iso(record["stale_warned_at"])
    out["run_at"] = iso(record["run_at"])
    out["max_attempts"] = record["max_attempts"]
    out["backoff"] = decode(record["backoff"])
    out["reason"] = record["reason"]
    out["expires_at"] = iso(record["expires_at"])
    out["unique_key"] = record["unique_key"]
    out["depends_on"] = list(record["depends_on"] or ())
    out["blocked_by"] = list(record["blocked_by"] or ())
    out["progress"] = decode(record["progress"])
    out["role"] = record["role"]
    out["schedule_id"] = record["schedule_id"]
    out["scheduled_for"] = iso(record["scheduled_for"])
    out["queue_name"] = record["queue_name"] or ""
    return out


def task_event(type_: str, task: dict[str, Any], at: str | None = None) -> dict[str, Any]:
    """The event a task state change publishes (the SQL twin is ``task_event_sql``): with
    ``run_at`` when scheduled and ``reason`` when set."""
    event = {
        "topic": "task",
        "type": type_,
        "id": task["id"],
        "friendly_id": task["friendly_id"],
        "queue_id": task["queue_id"],
        "queue_name": task.get("queue_name") or "",
        "tool": task["tool"],
        "status": task["status"],
        "created_at": task["created_at"],
        "claimed_at": task["claimed_at"],
        "finished_at": task["finished_at"],
        "at": at or task["updated_at"],
    }
    if task.get("run_at") is not None and task["status"] == "scheduled":
        event["run_at"] = task["run_at"]
    if task.get("reason") is not None:
        event["reason"] = task["reason"]
    return event


def task_event_sql(type_sql: str, alias: str) -> str:
    """``task_event`` built in SQL from the row ``alias`` (for the other daemons' copy)."""
    return (
        f"(jsonb_build_object('topic', 'task', 'type', {type_sql}, 'id', {alias}.id, "
        f"'friendly_id', {alias}.friendly_id, 'queue_id', {alias}.queue_id, "
        f"'queue_name', COALESCE((SELECT name FROM queues WHERE queues.id = {alias}.queue_id), "
        f"''), 'tool', {alias}.tool, 'status', {alias}.status, "
        f"'created_at', sparkq_iso({alias}.created_at), "
        f"'claimed_at', sparkq_iso({alias}.claimed_at), "
        f"'finished_at', sparkq_iso({alias}.finished_at), 'at', sparkq_iso({alias}.updated_at))"
        f" || CASE WHEN {alias}.status = 'scheduled' AND {alias}.run_at IS NOT NULL "
        f"THEN jsonb_build_object('run_at', sparkq_iso({alias}.run_at)) ELSE jsonb_build_object() END"
        f" || CASE WHEN {alias}.reason IS NOT NULL "
        f"THEN jsonb_build_object('reason', {alias}.reason) ELSE jsonb_build_object() END)"
    )


def counts_of(found: list[asyncpg.Record]) -> dict[str, dict[str, int]]:
    """``queue_id -> {status: n}`` from (queue_id, status, n) records."""
    out: dict[str, dict[str, int]] = {}
    for r in found:
        out.setdefault(r["queue_id"], dict.fromkeys(TASK_STATUSES, 0))[r["status"]] = int(r["n"])
    return out


def queue(record: asyncpg.Record, counts: dict[str, int] | None) -> dict[str, Any]:
    c = counts or dict.fromkeys(TASK_STATUSES, 0)
    status = queue_status(record["state"], c)
    return {
        "id": record["id"],
        "session_id": record["session_id"],
        "name": record["name"],
        "prefix": record["prefix"],
        "instructions": record["instructions"],
        "status": status,
        "paused": bool(record["paused"]),
        "role": record["role"],
        "model_profile": record["model_profile"],
        "counts": c,
        "created_at": iso(record["created_at"]),
        "updated_at": iso(record["updated_at"]),
        **queue_limits.members(
            bool(record["paused"]),
            record["concurrency"],
            record["rate_limit"],
            record["rate_per"],
            c["running"],
            record["rate_until"].timestamp() if record["rate_until"] is not None else None,
        ),
    }
