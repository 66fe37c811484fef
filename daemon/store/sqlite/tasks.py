"""Task state changes: enqueue, claim, heartbeat, complete, fail, requeue, rerun, update, delete.

Every state change is one UPDATE guarded by the state it expects (``AND status = …``), so a
late sweeper can never overwrite a task that has just completed, and a claim is a single
``UPDATE … RETURNING`` that only one claimer can win."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sparkq_daemon.clock import iso_from_unix
from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.ids import friendly_id, task_ids
from sparkq_daemon.policy import backoff as backoff_policy
from sparkq_daemon.store import flow
from sparkq_daemon.store.base import EnqueueItem, FinishParams
from sparkq_daemon.store.guards import check_running, fence_columns
from sparkq_daemon.store.sqlite import dependencies, due, limits, rows, timeline
from sparkq_daemon.store.sqlite import queues as queue_store
from sparkq_daemon.store.sqlite.task_lookup import RETURNING, SELECT, find, match, out
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
    if task.get("run_at") is not None and task["status"] == "scheduled":
        tx.events[-1]["run_at"] = task["run_at"]
    if task.get("reason") is not None:
        tx.events[-1]["reason"] = task["reason"]


def _resolve_timing(tx: Tx, tool: str, task_class: str | None, timeout: float | None):
    cls, timeout_s, _ = _resolve(tx, tool, task_class, timeout)
    return cls, timeout_s


def _resolve(tx: Tx, tool: str, task_class: str | None, timeout: float | None):
    """(task class, timeout, the class's spec) of a task of ``tool``."""
    tool_spec = tx.catalog.tools.get(tool)
    if tool_spec is None:
        known = ", ".join(sorted(tx.catalog.tools)) or "none"
        raise Validation(f"unknown tool {tool!r} (known: {known})", field="tool")
    cls = task_class or tool_spec["task_class"]
    class_spec = tx.catalog.task_classes.get(cls)
    if class_spec is None:
        known = ", ".join(sorted(tx.catalog.task_classes)) or "none"
        raise Validation(f"unknown task class {cls!r} (known: {known})", field="task_class")
    return cls, float(timeout if timeout is not None else class_spec["timeout"]), class_spec


HORIZON = 365 * 24 * 3600.0  # a due time further away than this is refused


def due_time(tx: Tx, delay: float | None, run_at: float | None) -> float | None:
    """The due time (unix seconds) of ``delay`` or ``run_at``; refuses one over a year away."""
    if delay is not None:
        when, member, shown = tx.ts + delay, "delay", f"{delay:g}"
    elif run_at is not None:
        when, member, shown = run_at, "run_at", iso_from_unix(run_at)
    else:
        return None
    if when > tx.ts + HORIZON:
        raise Validation(
            f"{member} {shown} is more than a year away; the furthest due time is "
            f"{iso_from_unix(tx.ts + HORIZON)}",
            field=member,
        )
    return when


def _timing(tx: Tx, item: EnqueueItem) -> tuple[str, str | None, str | None]:
    """(status, run_at, expires_at) of a new task."""
    if item.delay is None and item.run_at is None and item.ttl is None and item.expires_at is None:
        return "queued", None, None  # most tasks: due now, for ever
    when = due_time(tx, item.delay, item.run_at)
    status = "scheduled" if when is not None and when > tx.ts else "queued"
    expires = None
    start = max(when, tx.ts) if when is not None else tx.ts
    if item.ttl is not None:
        if item.ttl > HORIZON:
            raise Validation(f"ttl {item.ttl:g} is more than a year", field="ttl")
        expires = start + item.ttl
    elif item.expires_at is not None:
        if item.expires_at <= start:
            raise Validation(
                f"expires_at {iso_from_unix(item.expires_at)} is not after the task is due "
                f"({iso_from_unix(start)})",
                field="expires_at",
            )
        if item.expires_at > start + HORIZON:
            raise Validation(
                f"expires_at {iso_from_unix(item.expires_at)} is more than a year after the "
                "task is due",
                field="expires_at",
            )
        expires = item.expires_at
    if status == "scheduled":
        tx.due.lower(when)
    tx.due.lower(expires)
    return (
        status,
        iso_from_unix(when) if when is not None else None,
        iso_from_unix(expires) if expires is not None else None,
    )


def _writable_queue(tx: Tx, ref: str) -> sqlite3.Row:
    queue = queue_store.cached(tx, ref)
    if queue["state"] in ("ended", "archived"):
        raise Conflict(
            f"queue {queue['name']!r} is {queue['state']}; no task can be enqueued into it",
            status=queue["state"],
        )
    return queue


def _deduplicated(tx: Tx, queue_id: str, items: Sequence[EnqueueItem]) -> dict[int, Any]:
    """Items whose ``unique_key`` a live task holds: index -> that task's row, or the index
    of the earlier item of the batch with the same key."""
    found: dict[int, Any] = {}
    keys: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item.unique_key
        if key is None:
            continue
        if key in keys:
            found[index] = keys[key]
            continue
        keys[key] = index
        holder = dependencies.key_holder(tx, queue_id, key)
        if holder is not None:
            found[index] = holder
    return found


def enqueue(tx: Tx, queue_ref: str, items: Sequence[EnqueueItem]) -> list[dict[str, Any]]:
    """Insert ``items`` into one queue; an item whose unique key a live task holds returns
    that task (``duplicate: True``) and creates nothing."""
    queue = _writable_queue(tx, queue_ref)
    resolved: dict[tuple[Any, Any, Any], tuple[str, float, dict]] = {}  # a batch repeats tools
    timings = []
    for it in items:
        key = (it.tool, it.task_class, it.timeout)
        if key not in resolved:
            resolved[key] = _resolve(tx, *key)
        timings.append(resolved[key])
    flowing = any(it.unique_key is not None or it.depends_on for it in items)
    dups = _deduplicated(tx, queue["id"], items) if flowing else {}
    fresh = [i for i in range(len(items)) if i not in dups]
    first_number = tx.group.numbers.get(queue["id"], queue["next_number"]) + 1
    tx.group.numbers[queue["id"]] = first_number + len(fresh) - 1
    first_seq = tx.counters.take(len(fresh))
    ids = task_ids(first_seq, len(fresh))
    made: dict[int, dict[str, Any]] = {}  # item index -> its new task
    seqs: dict[int, int] = {}
    edges: list[tuple[int, int]] = []
    inserts = []
    encoded: dict[int, str | None] = {}  # a batch shares a few backoff objects: encode once
    for offset, index in enumerate(fresh):
        item, (cls, timeout, class_spec) = items[index], timings[index]
        status, run_at, expires_at = _timing(tx, item)
        max_attempts = item.max_attempts or class_spec.get("max_attempts") or 1
        backoff = item.backoff or class_spec.get("backoff") or backoff_policy.DEFAULT
        backoff_json = encoded.get(id(backoff))
        if backoff_json is None:
            backoff_json = encoded[id(backoff)] = rows.encode(backoff)
        seq = first_seq + offset
        reason = error = finished_at = None
        depends_on: list[str] = []
        blocked_by: list[str] = []
        if item.depends_on:
            deps = [_dependency(tx, entry, made, seqs, dups) for entry in item.depends_on]
            edges += [(d[0], seq) for d in deps]
            depends_on = [d[1] for d in deps]
            verdict, blocked_by, error = flow.verdict(d[1:] for d in deps)
            if verdict == "cancelled":
                status, reason, finished_at = "cancelled", "dependency", tx.now
            elif verdict == "blocked":
                status = "blocked"
        task = {
            "id": ids[offset],
            "friendly_id": friendly_id(queue["prefix"], first_number + offset),
            "queue_id": queue["id"],
            "queue_name": queue["name"],
            "tool": item.tool,
            "task_class": cls,
            "payload": item.payload,
            "status": status,
            "priority": item.priority or 0,
            "timeout": rows.seconds(timeout),
            "attempts": 0,
            "lease": 0,
            "worker": None,
            "result": None,
            "error": error,
            "stdout": None,
            "stderr": None,
            "created_at": tx.now,
            "updated_at": tx.now,
            "claimed_at": None,
            "heartbeat_at": None,
            "finished_at": finished_at,
            "stale_warned_at": None,
            "run_at": run_at,
            "max_attempts": max_attempts,
            "backoff": backoff,
            "reason": reason,
            "expires_at": expires_at,
            "unique_key": item.unique_key,
            "depends_on": depends_on,
            "blocked_by": blocked_by,
            "progress": None,
            "role": item.role,
            "schedule_id": None,
            "scheduled_for": None,
        }
        made[index] = task
        seqs[index] = seq
        inserts.append(
            (
                seq,
                task["id"],
                task["friendly_id"],
                task["queue_id"],
                task["tool"],
                cls,
                item.payload_json,
                status,
                task["priority"],
                task["timeout"],
                tx.now,
                tx.now,
                run_at,
                max_attempts,
                backoff_json,
                expires_at,
                item.unique_key,
                rows.encode(depends_on) if item.depends_on else None,
                rows.encode(blocked_by) if item.depends_on else None,
                reason,
                error,
                finished_at,
                item.role,
            )
        )
    tx.conn.executemany(
        "INSERT INTO tasks (seq, id, friendly_id, queue_id, tool, task_class, payload, status, "
        "priority, timeout, created_at, updated_at, run_at, max_attempts, backoff, expires_at, "
        "unique_key, depends_on, blocked_by, reason, error, finished_at, role) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        inserts,
    )
    by_status: dict[str, int] = {}
    for t in made.values():
        by_status[t["status"]] = by_status.get(t["status"], 0) + 1
    for status, n in by_status.items():
        tx.moved(queue["id"], None, status, n)
    for t in made.values():
        _emit(tx, "task.enqueued", t)
    if edges:
        dependencies.link(tx, edges)
        _record_flow(tx, made, seqs, edges)
    if not dups:
        return list(made.values())
    return [
        made[i] if i in made else dependencies.duplicate(_original(i, made, dups))
        for i in range(len(items))
    ]


def _original(index: int, made: dict[int, Any], dups: dict[int, Any]) -> Any:
    """The task the duplicate item ``index`` stands for (a row, or a task of this batch)."""
    found = dups[index]
    while isinstance(found, int):
        found = made[found] if found in made else dups[found]
    return found


def _dependency(
    tx: Tx, entry: str | int, made: dict[int, Any], seqs: dict[int, int], dups: dict[int, Any]
) -> tuple[int, str, str, str]:
    """(seq, id, friendly id, status) of a ``depends_on`` entry: a task id or friendly id,
    or the index of an earlier item of the batch."""
    if isinstance(entry, str):
        return dependencies.dependency(tx, entry)
    if entry in made:
        t = made[entry]
        return seqs[entry], t["id"], t["friendly_id"], t["status"]
    original = _original(entry, made, dups)
    if isinstance(original, dict):  # a duplicate of an item of this batch
        index = next(i for i, t in made.items() if t is original)
        return seqs[index], original["id"], original["friendly_id"], original["status"]
    return original["seq"], original["id"], original["friendly_id"], original["status"]


def _record_flow(
    tx: Tx, made: dict[int, Any], seqs: dict[int, int], edges: list[tuple[int, int]]
) -> None:
    """Timeline rows of the new tasks their dependencies blocked or cancelled."""
    dependants = {seq for _, seq in edges}
    entries = []
    for index, t in made.items():
        if seqs[index] not in dependants or t["status"] not in ("blocked", "cancelled"):
            continue
        if t["status"] == "blocked":
            detail = {"blocked_by": t["blocked_by"]}
        else:
            detail = {"reason": "dependency", "error": t["error"]}
        entries.append(timeline.entry(tx, seqs[index], t["status"], detail=detail))
    timeline.record_many(tx, entries)


_CLAIM_SET = (
    "UPDATE tasks SET status = 'running', worker = ?, claimed_at = ?, heartbeat_at = NULL, "
    "beat = ?, attempts = attempts + 1, lease = lease + 1, updated_at = ?, stale_warned_at = NULL, "
    "finished_at = NULL, result = NULL, error = NULL, progress = NULL "
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
    limited: dict[str, sqlite3.Row] = {}  # the limited queues this claim may take from
    due.settle(tx)  # due tasks promoted and expired ones failed first, at this group's time
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
        if limits.is_limited(queue):
            if limits.check(tx, queue) is not None:
                return None
            limited = {queue["id"]: queue}
        only, tool_args = _tool_filter(tools)
        row = tx.conn.execute(
            _CLAIM_SET + "WHERE seq = (SELECT seq FROM tasks WHERE queue_id = ? AND "
            f"status = 'queued'{only} ORDER BY priority DESC, seq LIMIT 1)" + RETURNING,
            (*args, queue["id"], *tool_args),
        ).fetchone()
    else:
        # The head of each active queue (one index probe each), then the best of those.
        only, tool_args = _tool_filter(tools)
        full, limited = limits.blocked_queues(tx)
        skip = f" AND q.id NOT IN ({', '.join('?' * len(full))})" if full else ""
        best = tx.conn.execute(
            "SELECT t.seq FROM queues q JOIN tasks t ON t.seq = (SELECT seq FROM tasks WHERE "
            f"queue_id = q.id AND status = 'queued'{only} ORDER BY priority DESC, seq LIMIT 1) "
            f"WHERE q.paused = 0 AND q.state IS NULL{skip} ORDER BY t.priority DESC, t.seq "
            "LIMIT 1",
            (*tool_args, *full),
        ).fetchone()
        if best is None:
            return None
        row = tx.conn.execute(
            _CLAIM_SET + "WHERE seq = ? AND status = 'queued'" + RETURNING, (*args, best[0])
        ).fetchone()
    if row is None:
        return None
    task = out(row)
    if task["queue_id"] in limited:  # (a claim by id is the caller's choice: not limited)
        limits.taken(tx, limited[task["queue_id"]])
    tx.moved(task["queue_id"], "queued", "running")
    _emit(tx, "task.claimed", task)
    timeline.record(tx, row["seq"], "claimed", task["attempts"], worker)
    return task


def _running(
    tx: Tx,
    ref: str,
    worker: str | None,
    action: str,
    attempt: int | None = None,
    lease: int | None = None,
) -> sqlite3.Row:
    row = find(tx.conn, ref)
    check_running(row, worker, action, attempt, lease)
    return row


def held_by(
    worker: str | None, attempt: int | None, lease: int | None
) -> tuple[str, tuple[Any, ...]]:
    """The WHERE terms (and their values) of a report's holder and claim fence."""
    held, args = "", ()
    if worker is not None:
        held, args = " AND (worker IS NULL OR worker = ?)", (worker,)
    for column, value in fence_columns(attempt, lease):
        held, args = f"{held} AND {column} = ?", (*args, value)
    return held, args


def _update_running(
    tx: Tx,
    ref: str,
    worker: str | None,
    action: str,
    assignments: str,
    values: tuple[Any, ...],
    attempt: int | None = None,
    lease: int | None = None,
) -> sqlite3.Row:
    """One guarded UPDATE of a running task; on no match, the precise refusal."""
    clause, args = match(ref)
    held, held_args = held_by(worker, attempt, lease)
    row = tx.conn.execute(
        f"UPDATE tasks SET {assignments} WHERE {clause} AND status = 'running'{held}" + RETURNING,
        (*values, *args, *held_args),
    ).fetchone()
    if row is None:
        _running(tx, ref, worker, action, attempt, lease)  # raises NotFound or Conflict
        raise Conflict(f"task {ref!r} cannot be {action}")
    return row


def heartbeat(
    tx: Tx, ref: str, worker: str | None, attempt: int | None = None, lease: int | None = None
) -> dict[str, Any]:
    row = _update_running(
        tx,
        ref,
        worker,
        "heartbeated",
        "heartbeat_at = ?, beat = ?, stale_warned_at = NULL, updated_at = ?",
        (tx.now, tx.ts, tx.now),
        attempt,
        lease,
    )
    return out(row)


def finish(tx: Tx, p: FinishParams) -> dict[str, Any]:
    """complete (status 'succeeded') or fail (status 'failed') a running task; a failure
    with attempts left and ``p.retry`` is scheduled for its next attempt instead."""
    if p.status == "failed":
        row = _running(tx, p.ref, p.worker, "failed", p.attempt, p.lease)
        return fail_attempt(tx, row, p.error or "", p.reason, p.retry, p.stdout, p.stderr)
    row = _update_running(
        tx,
        p.ref,
        p.worker,
        "completed",
        "status = 'succeeded', result = ?, error = NULL, stdout = COALESCE(?, stdout), "
        "stderr = COALESCE(?, stderr), finished_at = ?, updated_at = ?",
        (p.result_json, p.stdout, p.stderr, tx.now, tx.now),
        p.attempt,
        p.lease,
    )
    task = out(row)
    tx.moved(task["queue_id"], "running", "succeeded")
    _emit(tx, "task.completed", task)
    timeline.record(tx, row["seq"], "succeeded", task["attempts"], task["worker"])
    dependencies.settle_dependants(tx, row, "succeeded")
    return task


def fail_attempt(
    tx: Tx,
    row: sqlite3.Row,
    error: str,
    reason: str,
    retry: bool,
    stdout: str | None = None,
    stderr: str | None = None,
) -> dict[str, Any]:
    """End the running attempt ``row`` as failed: ``scheduled`` after its backoff when it may
    retry and has attempts left, else ``failed`` with ``reason``."""
    attempts, worker = row["attempts"], row["worker"]
    if retry and attempts < row["max_attempts"]:
        backoff = rows.decode(row["backoff"]) or backoff_policy.DEFAULT
        due_at = tx.ts + backoff_policy.delay_before(backoff, attempts)
        tx.due.lower(due_at)
        run_at = iso_from_unix(due_at)
        updated = tx.conn.execute(
            "UPDATE tasks SET status = 'scheduled', run_at = ?, error = ?, reason = NULL, "
            "worker = NULL, beat = NULL, stale_warned_at = NULL, finished_at = NULL, "
            "stdout = COALESCE(?, stdout), stderr = COALESCE(?, stderr), updated_at = ? "
            "WHERE seq = ? AND status = 'running'" + RETURNING,
            (run_at, error, stdout, stderr, tx.now, row["seq"]),
        ).fetchone()
        task = out(updated)
        tx.moved(task["queue_id"], "running", "scheduled")
        _emit(tx, "task.retrying", task)
        tx.events[-1].update(attempt=attempts, reason=reason, worker=worker, error=error)
        detail = {"run_at": run_at, "reason": reason, "error": error}
        timeline.record(tx, row["seq"], "retrying", attempts, worker, detail)
        return task
    updated = tx.conn.execute(
        "UPDATE tasks SET status = 'failed', reason = ?, result = NULL, error = ?, "
        "stdout = COALESCE(?, stdout), stderr = COALESCE(?, stderr), finished_at = ?, "
        "updated_at = ? WHERE seq = ? AND status = 'running'" + RETURNING,
        (reason, error, stdout, stderr, tx.now, tx.now, row["seq"]),
    ).fetchone()
    task = out(updated)
    tx.moved(task["queue_id"], "running", "failed")
    _emit(tx, "task.failed", task)
    tx.events[-1]["error"] = error
    detail = {"reason": reason, "error": error}
    timeline.record(tx, row["seq"], "failed", attempts, worker, detail)
    dependencies.settle_dependants(tx, updated, "failed")
    return task


def requeue(
    tx: Tx,
    ref: str,
    worker: str | None = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    """Put a task back in its queue; with ``worker``, only a running task that worker holds
    (a runner giving back its own task never requeues one claimed again since). A failed or
    cancelled task gets all its attempts again; a running one's claim does not count."""
    if worker is not None or attempt is not None or lease is not None:
        row = _running(tx, ref, worker, "requeued", attempt, lease)
    else:
        row = find(tx.conn, ref)
    if row["status"] == "queued":
        raise Conflict(
            f"task {row['friendly_id']} is already queued", id=row["id"], status="queued"
        )
    return _requeued(tx, row)


def _requeued(tx: Tx, row: sqlite3.Row, redrive: bool = False) -> dict[str, Any]:
    # A finished task gets all its attempts again; a running one gives its claim back (it does
    # not count, so attempts never passes max_attempts); the lease alone names claims.
    if row["status"] in rows.TERMINAL:
        attempts = "0"
    elif row["status"] == "running":
        attempts = "MAX(attempts - 1, 0)"
    else:
        attempts = "attempts"
    dependencies.check_key_free(tx, row)
    status, waiting = dependencies.requeue_status(tx, row)
    updated = tx.conn.execute(
        "UPDATE tasks SET status = ?, worker = NULL, claimed_at = NULL, "
        "heartbeat_at = NULL, beat = NULL, finished_at = NULL, stale_warned_at = NULL, "
        "result = NULL, error = NULL, run_at = NULL, reason = NULL, expires_at = NULL, "
        f"attempts = {attempts}, updated_at = ?, "
        "blocked_by = CASE WHEN depends_on IS NULL THEN NULL ELSE ? END "
        "WHERE seq = ? AND status = ?" + RETURNING,
        (status, tx.now, rows.encode(waiting), row["seq"], row["status"]),
    ).fetchone()
    task = out(updated)
    tx.moved(task["queue_id"], row["status"], status)
    _emit(tx, "task.requeued", task)
    detail: dict[str, Any] = {"from": row["status"]}
    if redrive:
        detail["redrive"] = True
    if waiting:
        detail["blocked_by"] = waiting
    timeline.record(tx, row["seq"], "requeued", row["attempts"] or None, row["worker"], detail)
    if row["status"] in ("failed", "cancelled"):
        dependencies.restore_dependants(tx, updated)
    return task


def requeue_failed(tx: Tx, queue_ref: str, reason: str | None) -> int:
    """The dead-letter redrive: every failed task of the queue (with ``reason`` if given)."""
    queue = queue_store.cached(tx, queue_ref)
    where, args = "queue_id = ? AND status = 'failed'", [queue["id"]]
    if reason is not None:
        where, args = where + " AND reason = ?", [*args, reason]
    found = tx.conn.execute(f"{SELECT} WHERE {where} ORDER BY seq", args).fetchall()
    done = 0
    for row in found:
        try:
            _requeued(tx, row, redrive=True)
        except Conflict:  # its unique key is held again, or a dependency still failed
            continue
        done += 1
    return done


CANCELLABLE = ("queued", "scheduled", "blocked", "running")


def cancel(tx: Tx, ref: str, message: str | None) -> dict[str, Any]:
    """Cancel a task that has not ended; its holder's later reports are refused."""
    row = find(tx.conn, ref)
    if row["status"] not in CANCELLABLE:
        raise Conflict(
            f"task {row['friendly_id']} is {row['status']}; only a queued, scheduled, blocked "
            "or running task can be cancelled",
            id=row["id"],
            status=row["status"],
        )
    updated = tx.conn.execute(
        "UPDATE tasks SET status = 'cancelled', reason = 'cancelled', error = ?, "
        "finished_at = ?, updated_at = ?, beat = NULL WHERE seq = ? AND status = ?" + RETURNING,
        (message, tx.now, tx.now, row["seq"], row["status"]),
    ).fetchone()
    task = out(updated)
    tx.moved(task["queue_id"], row["status"], "cancelled")
    _emit(tx, "task.cancelled", task)
    tx.events[-1]["worker"] = task["worker"]
    detail = {"from": row["status"], **({"message": message} if message else {})}
    timeline.record(tx, row["seq"], "cancelled", task["attempts"] or None, task["worker"], detail)
    dependencies.settle_dependants(tx, updated, "cancelled")
    return task


def reschedule(tx: Tx, ref: str, delay: float | None, run_at: float | None) -> dict[str, Any]:
    """A queued or scheduled task to a new due time."""
    row = find(tx.conn, ref)
    if row["status"] not in ("queued", "scheduled"):
        raise Conflict(
            f"task {row['friendly_id']} is {row['status']}; only a queued or scheduled task "
            "can be rescheduled",
            id=row["id"],
            status=row["status"],
        )
    when = due_time(tx, delay, run_at)
    assert when is not None
    status = "scheduled" if when > tx.ts else "queued"
    tx.due.lower(when)
    run_at_iso = iso_from_unix(when)
    updated = tx.conn.execute(
        "UPDATE tasks SET status = ?, run_at = ?, updated_at = ? WHERE seq = ? AND status = ?"
        + RETURNING,
        (status, run_at_iso, tx.now, row["seq"], row["status"]),
    ).fetchone()
    task = out(updated)
    tx.moved(task["queue_id"], row["status"], status)
    _emit(tx, "task.rescheduled", task)
    timeline.record(tx, row["seq"], "rescheduled", detail={"run_at": run_at_iso})
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
        max_attempts=row["max_attempts"],
        backoff=rows.decode(row["backoff"]),
        role=row["role"],
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
    changed = sorted(k for k in sets if k != "updated_at")
    timeline.record(tx, row["seq"], "updated", detail={"changed": changed})
    return task


def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    dependencies.check_deletable(tx, row)
    tx.flush_counts()
    tx.conn.execute("DELETE FROM tasks WHERE seq = ?", (row["seq"],))
    task = out(row)
    task["status"] = "deleted"
    _emit(tx, "task.deleted", task)
    return {"deleted": True}
