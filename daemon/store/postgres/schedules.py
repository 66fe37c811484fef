"""Schedules on PostgreSQL: create, list, get, update, pause, resume, delete, run now, and
the firing of due slots by the leader. A firing takes the due rows ``FOR UPDATE SKIP
LOCKED``, enqueues each slot's task and advances ``next_run_at`` in one transaction: a slot
fires once, even when two daemons believe for a moment that they lead. Times are the
database's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict, NotFound, RpcError
from sparkq_daemon.ids import new_id
from sparkq_daemon.policy import schedules as policy
from sparkq_daemon.store.base import EnqueueItem
from sparkq_daemon.store.postgres import queues as queue_store
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres import tasks as task_store
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.task_lookup import find as find_task
from sparkq_daemon.store.values import SCHEDULE_CHANGEABLE as CHANGEABLE
from sparkq_daemon.store.values import SCHEDULE_SELECT as SELECT
from sparkq_daemon.store.values import SCHEDULE_TIMING as TIMING
from sparkq_daemon.store.values import schedule_object

NEXT_IN = (
    "SELECT extract(epoch FROM MIN(next_run_at) - clock_timestamp())::float8 "
    "FROM schedules WHERE enabled"
)


def _when(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _ts(value: datetime | str) -> float:
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).timestamp()


def out(row: asyncpg.Record) -> dict[str, Any]:
    """A schedule record as the protocol's Schedule object."""
    return schedule_object(row, rows.iso)


async def find(conn: asyncpg.Connection, ref: str, lock: bool = False) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"{SELECT} WHERE s.id = $1 OR s.name = $1 LIMIT 1" + (" FOR UPDATE OF s" if lock else ""),
        ref,
    )
    if row is None:
        raise NotFound(f"schedule {ref!r} does not exist", id=ref)
    return row


async def get(conn: asyncpg.Connection, ref: str) -> dict[str, Any]:
    return out(await find(conn, ref))


async def list_(conn: asyncpg.Connection, queue: str | None) -> list[dict[str, Any]]:
    if queue is None:
        found = await conn.fetch(f"{SELECT} ORDER BY s.name")
    else:
        qid = (await queue_store.find(conn, queue))["id"]
        found = await conn.fetch(f"{SELECT} WHERE s.queue_id = $1 ORDER BY s.name", qid)
    return [out(r) for r in found]


def _emit(tx: Tx, type_: str, schedule: dict[str, Any], **extra: Any) -> None:
    tx.emit(
        "schedule",
        type_,
        id=schedule["id"],
        name=schedule["name"],
        queue_id=schedule["queue_id"],
        next_run_at=schedule["next_run_at"],
        **extra,
    )


async def create(tx: Tx, spec: dict[str, Any]) -> dict[str, Any]:
    """A new schedule; its first slot is the first after the database's now."""
    queue = await queue_store.find(tx.conn, spec["queue"])
    if queue["state"] in ("ended", "archived"):
        raise Conflict(f"queue {queue['name']!r} is {queue['state']}; it takes no schedule")
    if await tx.conn.fetchval("SELECT 1 FROM schedules WHERE name = $1", spec["name"]):
        raise Conflict(f"a schedule named {spec['name']!r} already exists", field="name")
    task_store.resolve(tx.catalog, spec["tool"], spec.get("task_class"), spec.get("timeout"))
    now = _ts(tx.now)
    first = policy.next_after(spec["cron"], spec["every"], spec["timezone"], now, now)
    sid = new_id("sch")
    await tx.conn.execute(
        "INSERT INTO schedules (id, name, queue_id, tool, cron, every, timezone, anchor, "
        "payload, task_class, timeout, priority, max_attempts, overlap, catch_up, enabled, "
        "next_run_at, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
        "now(), now())",
        sid,
        spec["name"],
        queue["id"],
        spec["tool"],
        spec["cron"],
        spec["every"],
        spec["timezone"],
        now,
        spec.get("payload_json"),
        spec.get("task_class"),
        spec.get("timeout"),
        spec.get("priority") or 0,
        spec.get("max_attempts"),
        spec["overlap"],
        spec["catch_up"],
        spec["enabled"],
        _when(first) if spec["enabled"] else None,
    )
    made = out(await find(tx.conn, sid))
    _emit(tx, "schedule.created", made)
    return made


async def update(tx: Tx, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change any member; a new timing recomputes the next slot from now."""
    row = await find(tx.conn, ref, lock=True)
    sets: dict[str, Any] = {}
    if "name" in changes and changes["name"] != row["name"]:
        if await tx.conn.fetchval("SELECT 1 FROM schedules WHERE name = $1", changes["name"]):
            raise Conflict(f"a schedule named {changes['name']!r} already exists", field="name")
        sets["name"] = changes["name"]
    if "queue" in changes:
        sets["queue_id"] = (await queue_store.find(tx.conn, changes["queue"]))["id"]
    for key in CHANGEABLE:
        if key in changes:
            sets[key] = changes["payload_json"] if key == "payload" else changes[key]
    if "tool" in changes or "task_class" in changes or "timeout" in changes:
        task_store.resolve(
            tx.catalog,
            changes.get("tool", row["tool"]),
            changes.get("task_class", row["task_class"]),
            changes.get("timeout", row["timeout"]),
        )
    if any(key in changes for key in TIMING):
        now = _ts(tx.now)
        sets.update({key: changes[key] for key in TIMING if key in changes})
        sets["anchor"] = now
        if row["enabled"]:
            timing = {**dict(row), **sets}
            first = policy.next_after(timing["cron"], timing["every"], timing["timezone"], now, now)
            sets["next_run_at"] = _when(first)
    return await _write(tx, row, sets, "schedule.updated")


async def _write(tx: Tx, row: asyncpg.Record, sets: dict[str, Any], event: str) -> dict[str, Any]:
    assignments = ", ".join(f"{key} = ${n}" for n, key in enumerate(sets, start=2))
    if assignments:
        assignments += ", "
    await tx.conn.execute(
        f"UPDATE schedules SET {assignments}updated_at = now() WHERE id = $1",
        row["id"],
        *sets.values(),
    )
    updated = out(await find(tx.conn, row["id"]))
    _emit(tx, event, updated, enabled=updated["enabled"])
    return updated


async def set_enabled(tx: Tx, ref: str, enabled: bool) -> dict[str, Any]:
    """Pause (no next slot) or resume (the next slot after now: paused slots are not run)."""
    row = await find(tx.conn, ref, lock=True)
    sets: dict[str, Any] = {"enabled": enabled}
    if not enabled:
        sets["next_run_at"] = None
    elif not row["enabled"]:
        now = _ts(tx.now)
        first = policy.next_after(row["cron"], row["every"], row["timezone"], row["anchor"], now)
        sets["next_run_at"] = _when(first)
    return await _write(tx, row, sets, "schedule.updated")


async def delete(tx: Tx, ref: str) -> dict[str, Any]:
    row = await find(tx.conn, ref, lock=True)
    await tx.conn.execute("DELETE FROM schedules WHERE id = $1", row["id"])
    _emit(tx, "schedule.deleted", out(row))
    return {"deleted": True}


async def _previous_live(tx: Tx, row: asyncpg.Record) -> bool:
    if row["last_task_id"] is None:
        return False
    try:
        return (await find_task(tx.conn, row["last_task_id"]))["status"] in policy.LIVE
    except NotFound:
        return False


async def _enqueue(tx: Tx, row: asyncpg.Record, slot: float) -> dict[str, Any]:
    """The slot's task, naming the schedule and the slot; its events go out at COMMIT."""
    item = EnqueueItem(
        tool=row["tool"],
        payload=rows.decode(row["payload"]),
        payload_json=row["payload"],
        task_class=row["task_class"],
        timeout=row["timeout"],
        priority=row["priority"],
        max_attempts=row["max_attempts"],
    )
    # No origin: the statement sends nothing itself; the transaction announces its events.
    [task], events = await task_store.enqueue(tx.conn, None, tx.catalog, row["queue_id"], [item])
    await tx.conn.execute(
        "UPDATE tasks SET schedule_id = $1, scheduled_for = $2 WHERE id = $3",
        row["id"],
        _when(slot),
        task["id"],
    )
    task.update(schedule_id=row["id"], scheduled_for=rows.iso(_when(slot)))
    tx.events.extend(events)
    tx.wake(row["queue_id"])
    return task


async def run_now(tx: Tx, ref: str) -> dict[str, Any]:
    """Fire once now (whatever its overlap); the next slot stays as it was."""
    row = await find(tx.conn, ref, lock=True)
    task = await _enqueue(tx, row, _ts(tx.now))
    await tx.conn.execute(
        "UPDATE schedules SET last_run_at = now(), last_task_id = $2, runs = runs + 1, "
        "updated_at = now() WHERE id = $1",
        row["id"],
        task["id"],
    )
    updated = out(await find(tx.conn, row["id"]))
    _emit(tx, "schedule.fired", updated, task_id=task["id"], scheduled_for=task["scheduled_for"])
    return {"schedule": updated, "task": task}


async def fire_due(tx: Tx, starting: bool = False) -> dict[str, Any]:
    """Fire every enabled schedule whose next slot has come: ``{fired, missed, next_in}``
    (``next_in``: seconds until the earliest next slot, or None). ``starting``: the first
    run after this daemon started leading, where ``catch_up`` applies."""
    due = await tx.conn.fetch(
        f"{SELECT} WHERE s.enabled AND s.next_run_at <= now() ORDER BY s.next_run_at "
        "FOR UPDATE OF s SKIP LOCKED"
    )
    now = _ts(tx.now)
    fired = missed = 0
    for row in due:
        schedule = out(row)
        plan = policy.plan(
            {**dict(row)},
            row["next_run_at"].timestamp(),
            now,
            await _previous_live(tx, row),
            starting,
        )
        sets: dict[str, Any] = {"next_run_at": _when(plan.next_run_at)}
        task = None
        if plan.fire:
            assert plan.scheduled_for is not None
            try:
                async with tx.conn.transaction():  # a savepoint
                    task = await _enqueue(tx, row, plan.scheduled_for)
            except RpcError as exc:  # its queue ended, its tool is gone: the slot is missed
                _emit(tx, "schedule.missed", schedule, slots=1, reason="error", error=exc.message)
                sets["missed"] = row["missed"] + 1
        if task is not None:
            fired += 1
            sets.update(last_run_at=tx_time(tx), last_task_id=task["id"], runs=row["runs"] + 1)
        if plan.missed:
            missed += plan.missed
            sets["missed"] = sets.get("missed", row["missed"]) + plan.missed
            _emit(tx, "schedule.missed", schedule, slots=plan.missed, reason=plan.why)
        assignments = ", ".join(f"{key} = ${n}" for n, key in enumerate(sets, start=2))
        await tx.conn.execute(
            f"UPDATE schedules SET {assignments}, updated_at = now() WHERE id = $1",
            row["id"],
            *sets.values(),
        )
        if task is not None:
            schedule["next_run_at"] = rows.iso(sets["next_run_at"])
            _emit(
                tx,
                "schedule.fired",
                schedule,
                task_id=task["id"],
                scheduled_for=task["scheduled_for"],
            )
    return {"fired": fired, "missed": missed, "next_in": await tx.conn.fetchval(NEXT_IN)}


def tx_time(tx: Tx) -> datetime:
    return datetime.fromisoformat(tx.now)


async def next_in(conn: asyncpg.Connection) -> float | None:
    """Seconds until the earliest next slot of an enabled schedule (None: none)."""
    return await conn.fetchval(NEXT_IN)
