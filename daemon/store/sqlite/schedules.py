"""Schedules on SQLite: create, list, get, update, pause, resume, delete, run now, and the
firing of due slots. A firing enqueues its task and advances ``next_run_at`` in the same
transaction (the writer's group commit): a crash loses neither and doubles neither."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.clock import iso_from_unix
from sparkq_daemon.errors import Conflict, NotFound, RpcError
from sparkq_daemon.ids import new_id
from sparkq_daemon.policy import schedules as policy
from sparkq_daemon.store.base import EnqueueItem
from sparkq_daemon.store.sqlite import queues as queue_store
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite import tasks as task_store
from sparkq_daemon.store.sqlite.due import unix
from sparkq_daemon.store.sqlite.task_lookup import find as find_task
from sparkq_daemon.store.sqlite.tx import Tx
from sparkq_daemon.store.values import SCHEDULE_CHANGEABLE as CHANGEABLE
from sparkq_daemon.store.values import SCHEDULE_SELECT as SELECT
from sparkq_daemon.store.values import SCHEDULE_TIMING as TIMING
from sparkq_daemon.store.values import schedule_object


def out(row: sqlite3.Row) -> dict[str, Any]:
    """A schedule row as the protocol's Schedule object."""
    return schedule_object(row, lambda value: value)


def find(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    row = conn.execute(f"{SELECT} WHERE s.id = ? OR s.name = ? LIMIT 1", (ref, ref)).fetchone()
    if row is None:
        raise NotFound(f"schedule {ref!r} does not exist", id=ref)
    return row


def get(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    return out(find(conn, ref))


def list_(conn: sqlite3.Connection, queue: str | None) -> dict[str, Any]:
    if queue is None:
        found = conn.execute(f"{SELECT} ORDER BY s.name").fetchall()
    else:
        qid = queue_store.find(conn, queue)["id"]
        found = conn.execute(f"{SELECT} WHERE s.queue_id = ? ORDER BY s.name", (qid,)).fetchall()
    return {"schedules": [out(r) for r in found]}


def _emit(tx: Tx, type_: str, row: sqlite3.Row | dict[str, Any], **extra: Any) -> None:
    tx.emit(
        "schedule",
        type_,
        id=row["id"],
        name=row["name"],
        queue_id=row["queue_id"],
        next_run_at=row["next_run_at"],
        **extra,
    )


def create(tx: Tx, spec: dict[str, Any]) -> dict[str, Any]:
    """A new schedule; its first slot is the first after now."""
    queue = queue_store.find(tx.conn, spec["queue"])
    if queue["state"] in ("ended", "archived"):
        raise Conflict(f"queue {queue['name']!r} is {queue['state']}; it takes no schedule")
    if tx.conn.execute("SELECT 1 FROM schedules WHERE name = ?", (spec["name"],)).fetchone():
        raise Conflict(f"a schedule named {spec['name']!r} already exists", field="name")
    task_store._resolve(tx, spec["tool"], spec.get("task_class"), spec.get("timeout"))
    sid = new_id("sch")
    first = policy.next_after(spec["cron"], spec["every"], spec["timezone"], tx.ts, tx.ts)
    tx.conn.execute(
        "INSERT INTO schedules (id, name, queue_id, tool, cron, every, timezone, anchor, "
        "payload, task_class, timeout, priority, max_attempts, overlap, catch_up, enabled, "
        "next_run_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sid,
            spec["name"],
            queue["id"],
            spec["tool"],
            spec["cron"],
            spec["every"],
            spec["timezone"],
            tx.ts,
            spec.get("payload_json"),
            spec.get("task_class"),
            spec.get("timeout"),
            spec.get("priority") or 0,
            spec.get("max_attempts"),
            spec["overlap"],
            spec["catch_up"],
            int(spec["enabled"]),
            iso_from_unix(first) if spec["enabled"] else None,
            tx.now,
            tx.now,
        ),
    )
    row = find(tx.conn, sid)
    _emit(tx, "schedule.created", row)
    return out(row)


def update(tx: Tx, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change any member; a new timing recomputes the next slot from now."""
    row = find(tx.conn, ref)
    sets: dict[str, Any] = {}
    if "name" in changes and changes["name"] != row["name"]:
        taken = tx.conn.execute("SELECT 1 FROM schedules WHERE name = ?", (changes["name"],))
        if taken.fetchone():
            raise Conflict(f"a schedule named {changes['name']!r} already exists", field="name")
        sets["name"] = changes["name"]
    if "queue" in changes:
        sets["queue_id"] = queue_store.find(tx.conn, changes["queue"])["id"]
    for key in CHANGEABLE:
        if key in changes:
            sets[key] = changes["payload_json"] if key == "payload" else changes[key]
    if "tool" in changes or "task_class" in changes or "timeout" in changes:
        task_store._resolve(
            tx,
            changes.get("tool", row["tool"]),
            changes.get("task_class", row["task_class"]),
            changes.get("timeout", row["timeout"]),
        )
    if any(key in changes for key in TIMING):
        sets.update({key: changes[key] for key in TIMING if key in changes})
        sets["anchor"] = tx.ts
        if row["enabled"]:
            timing = {**dict(row), **sets}
            first = policy.next_after(
                timing["cron"], timing["every"], timing["timezone"], tx.ts, tx.ts
            )
            sets["next_run_at"] = iso_from_unix(first)
    return _write(tx, row, sets, "schedule.updated")


def _write(tx: Tx, row: sqlite3.Row, sets: dict[str, Any], event: str) -> dict[str, Any]:
    sets["updated_at"] = tx.now
    assignments = ", ".join(f"{key} = ?" for key in sets)
    tx.conn.execute(f"UPDATE schedules SET {assignments} WHERE id = ?", (*sets.values(), row["id"]))
    updated = find(tx.conn, row["id"])
    _emit(tx, event, updated, enabled=bool(updated["enabled"]))
    return out(updated)


def set_enabled(tx: Tx, ref: str, enabled: bool) -> dict[str, Any]:
    """Pause (no next slot) or resume (the next slot after now: paused slots are not run)."""
    row = find(tx.conn, ref)
    sets: dict[str, Any] = {"enabled": int(enabled)}
    if not enabled:
        sets["next_run_at"] = None
    elif not row["enabled"]:
        first = policy.next_after(row["cron"], row["every"], row["timezone"], row["anchor"], tx.ts)
        sets["next_run_at"] = iso_from_unix(first)
    return _write(tx, row, sets, "schedule.updated")


def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = find(tx.conn, ref)
    tx.conn.execute("DELETE FROM schedules WHERE id = ?", (row["id"],))
    _emit(tx, "schedule.deleted", row)
    return {"deleted": True}


def _previous_live(tx: Tx, row: sqlite3.Row) -> bool:
    if row["last_task_id"] is None:
        return False
    try:
        return find_task(tx.conn, row["last_task_id"])["status"] in policy.LIVE
    except NotFound:
        return False


def _enqueue(tx: Tx, row: sqlite3.Row, slot: float) -> dict[str, Any]:
    """The slot's task, naming the schedule and the slot."""
    item = EnqueueItem(
        tool=row["tool"],
        payload=rows.decode(row["payload"]),
        payload_json=row["payload"],
        task_class=row["task_class"],
        timeout=row["timeout"],
        priority=row["priority"],
        max_attempts=row["max_attempts"],
    )
    [task] = task_store.enqueue(tx, row["queue_id"], [item])
    slot_iso = iso_from_unix(slot)
    tx.conn.execute(
        "UPDATE tasks SET schedule_id = ?, scheduled_for = ? WHERE id = ?",
        (row["id"], slot_iso, task["id"]),
    )
    task.update(schedule_id=row["id"], scheduled_for=slot_iso)
    return task


def run_now(tx: Tx, ref: str) -> dict[str, Any]:
    """Fire once now (whatever its overlap); the next slot stays as it was."""
    row = find(tx.conn, ref)
    task = _enqueue(tx, row, tx.ts)
    tx.conn.execute(
        "UPDATE schedules SET last_run_at = ?, last_task_id = ?, runs = runs + 1, "
        "updated_at = ? WHERE id = ?",
        (tx.now, task["id"], tx.now, row["id"]),
    )
    updated = find(tx.conn, row["id"])
    _emit(tx, "schedule.fired", updated, task_id=task["id"], scheduled_for=task["scheduled_for"])
    return {"schedule": out(updated), "task": task}


def fire_due(tx: Tx, starting: bool = False) -> dict[str, Any]:
    """Fire every enabled schedule whose next slot has come: ``{fired, missed, next}``
    (``next``: the earliest next slot, unix seconds, or None). ``starting``: the first run
    after the daemon started, where ``catch_up`` applies."""
    due = tx.conn.execute(
        f"{SELECT} WHERE s.enabled = 1 AND s.next_run_at <= ? ORDER BY s.next_run_at",
        (tx.now,),
    ).fetchall()
    fired = missed = 0
    for row in due:
        plan = policy.plan(
            dict(row), unix(row["next_run_at"]), tx.ts, _previous_live(tx, row), starting
        )
        sets: dict[str, Any] = {"next_run_at": iso_from_unix(plan.next_run_at)}
        task = None
        if plan.fire:
            assert plan.scheduled_for is not None
            tx.conn.execute("SAVEPOINT firing")
            try:
                task = _enqueue(tx, row, plan.scheduled_for)
            except RpcError as exc:  # its queue ended, its tool is gone: the slot is missed
                tx.conn.execute("ROLLBACK TO firing")
                _emit(tx, "schedule.missed", row, slots=1, reason="error", error=exc.message)
                sets["missed"] = row["missed"] + 1
            tx.conn.execute("RELEASE firing")
        if task is not None:
            fired += 1
            sets.update(last_run_at=tx.now, last_task_id=task["id"], runs=row["runs"] + 1)
        if plan.missed:
            missed += plan.missed
            sets["missed"] = sets.get("missed", row["missed"]) + plan.missed
            _emit(tx, "schedule.missed", row, slots=plan.missed, reason=plan.why)
        assignments = ", ".join(f"{key} = ?" for key in sets)
        tx.conn.execute(
            f"UPDATE schedules SET {assignments}, updated_at = ? WHERE id = ? AND next_run_at = ?",
            (*sets.values(), tx.now, row["id"], row["next_run_at"]),
        )
        if task is not None:
            _emit(
                tx,
                "schedule.fired",
                {**dict(row), "next_run_at": sets["next_run_at"]},
                task_id=task["id"],
                scheduled_for=task["scheduled_for"],
            )
    return {"fired": fired, "missed": missed, "next": earliest(tx.conn)}


def earliest(conn: sqlite3.Connection) -> float | None:
    """The earliest next slot of an enabled schedule (unix seconds)."""
    found = conn.execute("SELECT MIN(next_run_at) FROM schedules WHERE enabled = 1").fetchone()
    return None if found is None or found[0] is None else unix(found[0])
