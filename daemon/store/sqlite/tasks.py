"""Task state changes: enqueue, claim, heartbeat, complete, fail, requeue, rerun, update, delete.

Every state change is one UPDATE guarded by the state it expects (``AND status = …``), so a
late sweeper can never overwrite a task that has just completed, and a claim is a single
``UPDATE … RETURNING`` that only one claimer can win."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.ids import friendly_id, task_ids
from sparkq_daemon.store.base import EnqueueItem
from sparkq_daemon.store.sqlite import queues as queue_store
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.task_lookup import RETURNING, find, match, out
from sparkq_daemon.store.sqlite.tx import Tx


def _emit(tx: Tx, type_: str, task: dict[str, Any]) -> None:
    # Built in place rather than through Tx.emit's keywords: a batch emits a thousand.
    tx.events.append(
        {
            "topic": "task",
            "type": type_,
            "id": task["id"],
            "friendly_id": task["friendly_id"],
            "queue_id": task["queue_id"],
            "queue_name": task["queue_name"],
            "tool": task["tool"],
            "status": task["status"],
            "created_at": task["created_at"],
            "claimed_at": task["claimed_at"],
            "finished_at": task["finished_at"],
            "at": tx.now,
        }
    )


def _resolve_timing(tx: Tx, tool: str, task_class: str | None, timeout: float | None):
    tool_spec = tx.catalog.tools.get(tool)
    if tool_spec is None:
        known = ", ".join(sorted(tx.catalog.tools)) or "none"
        raise Validation(f"unknown tool {tool!r} (known: {known})", field="tool")
    cls = task_class or tool_spec["task_class"]
    class_spec = tx.catalog.task_classes.get(cls)
    if class_spec is None:
        known = ", ".join(sorted(tx.catalog.task_classes)) or "none"
        raise Validation(f"unknown task class {cls!r} (known: {known})", field="task_class")
    return cls, float(timeout if timeout is not None else class_spec["timeout"])


def _writable_queue(tx: Tx, ref: str) -> sqlite3.Row:
    queue = queue_store.cached(tx, ref)
    if queue["state"] in ("ended", "archived"):
        raise Conflict(
            f"queue {queue['name']!r} is {queue['state']}; no task can be enqueued into it",
            status=queue["state"],
        )
    return queue


def enqueue(tx: Tx, queue_ref: str, items: Sequence[EnqueueItem]) -> list[dict[str, Any]]:
    """Insert ``items`` into one queue."""
    queue = _writable_queue(tx, queue_ref)
    resolved: dict[tuple[Any, Any, Any], tuple[str, float]] = {}  # a batch repeats its tools
    timings = []
    for it in items:
        key = (it.tool, it.task_class, it.timeout)
        if key not in resolved:
            resolved[key] = _resolve_timing(tx, *key)
        timings.append(resolved[key])
    first_number = tx.group.numbers.get(queue["id"], queue["next_number"]) + 1
    tx.group.numbers[queue["id"]] = first_number + len(items) - 1
    first_seq = tx.counters.take(len(items))
    ids = task_ids(first_seq, len(items))
    out = []
    for offset, (item, (cls, timeout)) in enumerate(zip(items, timings, strict=True)):
        task = {
            "seq": first_seq + offset,
            "id": ids[offset],
            "friendly_id": friendly_id(queue["prefix"], first_number + offset),
            "queue_id": queue["id"],
            "queue_name": queue["name"],
            "tool": item.tool,
            "task_class": cls,
            "payload": item.payload,
            "status": "queued",
            "priority": item.priority or 0,
            "timeout": rows.seconds(timeout),
            "attempts": 0,
            "worker": None,
            "result": None,
            "error": None,
            "stdout": None,
            "stderr": None,
            "created_at": tx.now,
            "updated_at": tx.now,
            "claimed_at": None,
            "heartbeat_at": None,
            "finished_at": None,
            "stale_warned_at": None,
        }
        out.append(task)
    tx.conn.executemany(
        "INSERT INTO tasks (seq, id, friendly_id, queue_id, tool, task_class, payload, status, "
        "priority, timeout, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
        [
            (
                t.pop("seq"),
                t["id"],
                t["friendly_id"],
                t["queue_id"],
                t["tool"],
                t["task_class"],
                item.payload_json,
                t["priority"],
                t["timeout"],
                tx.now,
                tx.now,
            )
            for t, item in zip(out, items, strict=True)
        ],
    )
    tx.moved(queue["id"], None, "queued", len(items))
    for t in out:
        _emit(tx, "task.enqueued", t)
    return out


_CLAIM_SET = (
    "UPDATE tasks SET status = 'running', worker = ?, claimed_at = ?, heartbeat_at = NULL, "
    "beat = ?, attempts = attempts + 1, updated_at = ?, stale_warned_at = NULL, "
    "finished_at = NULL, result = NULL, error = NULL "
)


def _tool_filter(tools: list[str] | None, column: str = "tool") -> tuple[str, tuple[str, ...]]:
    if not tools:
        return "", ()
    return f" AND {column} IN ({', '.join('?' * len(tools))})", tuple(tools)


def claim(
    tx: Tx,
    queue_ref: str | None,
    task_ref: str | None,
    worker: str | None,
    tools: list[str] | None = None,
) -> dict[str, Any] | None:
    """Hand the next task (or the named one) to ``worker``; None when there is none.

    ``tools`` limits the claim to tasks of those tools (a runner that only runs some)."""
    args = (worker, tx.now, tx.ts, tx.now)
    if task_ref is not None:
        target = find(tx.conn, task_ref)
        if tools and target["tool"] not in tools:
            raise Conflict(
                f"task {target['friendly_id']} uses tool {target['tool']!r}, not one of "
                f"{', '.join(tools)}",
                id=target["id"],
            )
        if target["status"] != "queued":
            holder = f" by {target['worker']}" if target["worker"] else ""
            raise Conflict(
                f"task {target['friendly_id']} is {target['status']}{holder}; only a queued "
                "task can be claimed",
                id=target["id"],
                status=target["status"],
            )
        row = tx.conn.execute(
            _CLAIM_SET + "WHERE seq = ? AND status = 'queued'" + RETURNING,
            (*args, target["seq"]),
        ).fetchone()
    elif queue_ref is not None:
        queue = queue_store.cached(tx, queue_ref)  # a group's claims read their queue once
        if queue["paused"] or queue["state"] == "archived":
            return None
        only, tool_args = _tool_filter(tools)
        row = tx.conn.execute(
            _CLAIM_SET + "WHERE seq = (SELECT seq FROM tasks WHERE queue_id = ? AND "
            f"status = 'queued'{only} ORDER BY priority DESC, seq LIMIT 1)" + RETURNING,
            (*args, queue["id"], *tool_args),
        ).fetchone()
    else:
        # The head of each active queue (one index probe each), then the best of those.
        only, tool_args = _tool_filter(tools)
        best = tx.conn.execute(
            "SELECT t.seq FROM queues q JOIN tasks t ON t.seq = (SELECT seq FROM tasks WHERE "
            f"queue_id = q.id AND status = 'queued'{only} ORDER BY priority DESC, seq LIMIT 1) "
            "WHERE q.paused = 0 AND q.state IS NULL ORDER BY t.priority DESC, t.seq LIMIT 1",
            tool_args,
        ).fetchone()
        if best is None:
            return None
        row = tx.conn.execute(
            _CLAIM_SET + "WHERE seq = ? AND status = 'queued'" + RETURNING, (*args, best[0])
        ).fetchone()
    if row is None:
        return None
    task = out(row)
    tx.moved(task["queue_id"], "queued", "running")
    _emit(tx, "task.claimed", task)
    return task


def _running(tx: Tx, ref: str, worker: str | None, action: str) -> sqlite3.Row:
    row = find(tx.conn, ref)
    if row["status"] != "running":
        raise Conflict(
            f"task {row['friendly_id']} is {row['status']}, not running; it cannot be {action}",
            id=row["id"],
            status=row["status"],
        )
    if worker is not None and row["worker"] not in (None, worker):
        raise Conflict(
            f"task {row['friendly_id']} is held by {row['worker']!r}, not {worker!r}",
            id=row["id"],
            status=row["status"],
        )
    return row


def _update_running(
    tx: Tx, ref: str, worker: str | None, action: str, assignments: str, values: tuple[Any, ...]
) -> sqlite3.Row:
    """One guarded UPDATE of a running task; on no match, the precise refusal."""
    clause, args = match(ref)
    held = ""
    if worker is not None:
        held, args = " AND (worker IS NULL OR worker = ?)", (*args, worker)
    row = tx.conn.execute(
        f"UPDATE tasks SET {assignments} WHERE {clause} AND status = 'running'{held}" + RETURNING,
        (*values, *args),
    ).fetchone()
    if row is None:
        _running(tx, ref, worker, action)  # raises NotFound or Conflict
        raise Conflict(f"task {ref!r} cannot be {action}")
    return row


def heartbeat(tx: Tx, ref: str, worker: str | None) -> dict[str, Any]:
    row = _update_running(
        tx,
        ref,
        worker,
        "heartbeated",
        "heartbeat_at = ?, beat = ?, stale_warned_at = NULL, updated_at = ?",
        (tx.now, tx.ts, tx.now),
    )
    return out(row)


def finish(
    tx: Tx,
    ref: str,
    status: str,
    result_json: str | None,
    error: str | None,
    stdout: str | None,
    stderr: str | None,
    worker: str | None,
) -> dict[str, Any]:
    """complete (status 'succeeded') or fail (status 'failed') a running task."""
    row = _update_running(
        tx,
        ref,
        worker,
        "completed" if status == "succeeded" else "failed",
        "status = ?, result = ?, error = ?, stdout = COALESCE(?, stdout), "
        "stderr = COALESCE(?, stderr), finished_at = ?, updated_at = ?",
        (status, result_json, error, stdout, stderr, tx.now, tx.now),
    )
    task = out(row)
    tx.moved(task["queue_id"], "running", status)
    _emit(tx, "task.completed" if status == "succeeded" else "task.failed", task)
    return task


def requeue(tx: Tx, ref: str, worker: str | None = None) -> dict[str, Any]:
    """Put a task back in its queue; with ``worker``, only a running task that worker holds
    (a runner giving back its own task never requeues one claimed again since)."""
    row = _running(tx, ref, worker, "requeued") if worker is not None else find(tx.conn, ref)
    if row["status"] == "queued":
        raise Conflict(
            f"task {row['friendly_id']} is already queued", id=row["id"], status="queued"
        )
    updated = tx.conn.execute(
        "UPDATE tasks SET status = 'queued', worker = NULL, claimed_at = NULL, "
        "heartbeat_at = NULL, beat = NULL, finished_at = NULL, stale_warned_at = NULL, "
        "result = NULL, error = NULL, updated_at = ? WHERE seq = ? AND status = ?" + RETURNING,
        (tx.now, row["seq"], row["status"]),
    ).fetchone()
    task = out(updated)
    tx.moved(task["queue_id"], row["status"], "queued")
    _emit(tx, "task.requeued", task)
    return task


def rerun(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    item = EnqueueItem(
        tool=row["tool"],
        payload=rows.decode(row["payload"]),
        payload_json=row["payload"],
        task_class=row["task_class"],
        timeout=row["timeout"],
        priority=row["priority"],
    )
    return enqueue(tx, row["queue_id"], [item])[0]


def update(tx: Tx, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change payload, priority, timeout or tool of a queued task."""
    row = find(tx.conn, ref)
    if row["status"] != "queued":
        raise Conflict(
            f"task {row['friendly_id']} is {row['status']}; only a queued task can be updated",
            id=row["id"],
            status=row["status"],
        )
    sets: dict[str, Any] = {}
    if "tool" in changes:
        sets["tool"] = changes["tool"]
        sets["task_class"], timeout = _resolve_timing(tx, changes["tool"], None, None)
        sets.setdefault("timeout", timeout)
    if "payload_json" in changes:
        sets["payload"] = changes["payload_json"]
    for key in ("priority", "timeout"):
        if key in changes:
            sets[key] = changes[key]
    sets["updated_at"] = tx.now
    assignments = ", ".join(f"{key} = ?" for key in sets)
    updated = tx.conn.execute(
        f"UPDATE tasks SET {assignments} WHERE seq = ? AND status = 'queued'" + RETURNING,
        (*sets.values(), row["seq"]),
    ).fetchone()
    task = out(updated)
    _emit(tx, "task.updated", task)
    return task


def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    tx.flush_counts()
    tx.conn.execute("DELETE FROM tasks WHERE seq = ?", (row["seq"],))
    task = out(row)
    task["status"] = "deleted"
    _emit(tx, "task.deleted", task)
    return {"deleted": True}
