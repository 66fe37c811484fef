"""Dependencies and unique keys on PostgreSQL: the dependants' resolution, written in the
transaction that ends (or requeues) their dependency, never by a scan.

Concurrency: a dependant is resolved under its own row lock (``FOR UPDATE``), so two of its
dependencies succeeding at once on two daemons take turns and the second sees the first's
change (``blocked_by`` shrinks by ``array_remove``, never by a read-modify-write). An enqueue
marks each dependency ``dependants`` with an UPDATE: its row lock orders the enqueue and the
dependency's end, whichever comes first is seen by the other."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store import flow
from sparkq_daemon.store.postgres import rows, timeline
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.task_lookup import QUEUE_NAME, SELECT
from sparkq_daemon.store.values import LIVE

LIVE_SQL = f"status IN ({', '.join(repr(s) for s in LIVE)})"  # the unique index's
_RETURNING = f"RETURNING seq, {rows.TASK_COLUMNS}, {QUEUE_NAME}"


class NeedsTransaction(Exception):
    """A one-statement finish met a task other tasks depend on: finish it again in a
    transaction that resolves them (``tasks.finish_in_tx``)."""


async def key_holder(
    conn: asyncpg.Connection, queue_id: str, key: str, but: int | None = None
) -> asyncpg.Record | None:
    """The live task of ``queue_id`` holding ``key`` (other than row ``but``), or None."""
    return await conn.fetchrow(
        f"{SELECT} WHERE queue_id = $1 AND unique_key = $2 AND {LIVE_SQL} "
        "AND seq IS DISTINCT FROM $3",
        queue_id,
        key,
        but,
    )


async def _dependants(tx: Tx, seq: int, where: str) -> list[asyncpg.Record]:
    return await tx.conn.fetch(
        f"{SELECT} WHERE seq IN (SELECT task_seq FROM task_deps WHERE dep_seq = $1) AND {where} "
        "ORDER BY seq FOR UPDATE OF tasks",
        seq,
    )


def _event(type_: str, task: dict[str, Any], **more: Any) -> dict[str, Any]:
    event = rows.task_event(type_, task)
    event.update(more)
    return event


async def settle_dependants(tx: Tx, ended: Any, status: str) -> None:
    """The task ``ended`` (a record or dict with ``seq, id, friendly_id, dependants``) just
    became ``status``: a success takes it off its blocked dependants' ``blocked_by`` (the last
    unblocks them: ``queued``, or ``scheduled`` before their ``run_at``); a failure or a
    cancellation cancels them with reason ``dependency``, and theirs, down the chain."""
    if not ended["dependants"]:
        return
    work = [(ended["seq"], ended["id"], ended["friendly_id"], status)]
    while work:
        seq, id_, friendly, how = work.pop()
        for row in await _dependants(tx, seq, "status = 'blocked'"):
            if how == "succeeded":
                await _unblock_one(tx, row, id_)
                continue
            error = flow.dependency_error(friendly, how)
            updated = await tx.conn.fetchrow(
                "UPDATE tasks SET status = 'cancelled', reason = 'dependency', error = $2, "
                "finished_at = now(), updated_at = now() WHERE seq = $1 AND status = 'blocked' "
                + _RETURNING,
                row["seq"],
                error,
            )
            task = rows.task(updated)
            tx.moved(task["queue_id"], "blocked", "cancelled")
            tx.events.append(_event("task.cancelled", task, error=error))
            detail = {"reason": "dependency", "dependency": id_, "error": error}
            await timeline.record(tx.conn, row["seq"], "cancelled", detail=detail)
            if row["dependants"]:
                work.append((row["seq"], row["id"], row["friendly_id"], "cancelled"))


async def _unblock_one(tx: Tx, row: asyncpg.Record, succeeded_id: str) -> None:
    updated = await tx.conn.fetchrow(
        "UPDATE tasks SET blocked_by = array_remove(blocked_by, $2), "
        "status = CASE WHEN cardinality(array_remove(blocked_by, $2)) > 0 THEN 'blocked' "
        "WHEN run_at > now() THEN 'scheduled' ELSE 'queued' END, updated_at = now() "
        "WHERE seq = $1 AND status = 'blocked' " + _RETURNING,
        row["seq"],
        succeeded_id,
    )
    task = rows.task(updated)
    if task["status"] == "blocked":
        return
    tx.moved(task["queue_id"], "blocked", task["status"])
    if task["status"] == "queued":
        tx.wake(task["queue_id"])
    tx.events.append(_event("task.unblocked", task))
    await timeline.record(tx.conn, row["seq"], "unblocked", detail={"status": task["status"]})


async def deps_of(conn: asyncpg.Connection, seq: int) -> list[tuple[str, str, str]]:
    """(id, friendly id, status) of the dependencies of task ``seq`` that still exist."""
    found = await conn.fetch(
        "SELECT d.id, d.friendly_id, d.status FROM task_deps e JOIN tasks d "
        "ON d.seq = e.dep_seq WHERE e.task_seq = $1 ORDER BY d.seq",
        seq,
    )
    return [(r["id"], r["friendly_id"], r["status"]) for r in found]


async def requeue_status(tx: Tx, row: asyncpg.Record) -> tuple[str, list[str]]:
    """Where a requeue puts the task ``row``: ``blocked`` (and by what) while a dependency
    has not succeeded, else ``queued``; ``Conflict`` while one has failed or is cancelled."""
    if row["depends_on"] is None:
        return "queued", []
    status, waiting, error = flow.verdict(await deps_of(tx.conn, row["seq"]))
    if status == "cancelled":
        raise Conflict(
            f"task {row['friendly_id']} cannot be requeued: its {error}; requeue that first",
            id=row["id"],
            status=row["status"],
        )
    return status or "queued", waiting


async def check_key_free(tx: Tx, row: asyncpg.Record) -> None:
    """``Conflict`` when another live task of the queue holds ``row``'s unique key."""
    if row["unique_key"] is None or row["status"] not in rows.TERMINAL:
        return
    holder = await key_holder(tx.conn, row["queue_id"], row["unique_key"], but=row["seq"])
    if holder is not None:
        raise Conflict(
            f"task {row['friendly_id']} cannot be requeued: its unique_key "
            f"{row['unique_key']!r} is held by live task {holder['friendly_id']}",
            id=row["id"],
            status=row["status"],
            holder=holder["id"],
        )


async def restore_dependants(tx: Tx, requeued: Any) -> None:
    """The failed or cancelled task ``requeued`` is live again: its dependants cancelled
    because of it (and theirs, down the chain) go back to ``blocked``, unless another of
    their dependencies still stands failed or cancelled, or their key is taken."""
    if not requeued["dependants"]:
        return
    work = [requeued["seq"]]
    while work:
        seq = work.pop()
        found = await _dependants(tx, seq, "status = 'cancelled' AND reason = 'dependency'")
        for row in found:
            status, waiting, _ = flow.verdict(await deps_of(tx.conn, row["seq"]))
            if status != "blocked":
                continue
            if row["unique_key"] is not None and await key_holder(
                tx.conn, row["queue_id"], row["unique_key"], but=row["seq"]
            ):
                continue
            updated = await tx.conn.fetchrow(
                "UPDATE tasks SET status = 'blocked', blocked_by = $2, reason = NULL, "
                "error = NULL, finished_at = NULL, attempts = 0, updated_at = now() "
                "WHERE seq = $1 AND status = 'cancelled' " + _RETURNING,
                row["seq"],
                waiting,
            )
            task = rows.task(updated)
            tx.moved(task["queue_id"], "cancelled", "blocked")
            tx.events.append(_event("task.blocked", task, blocked_by=waiting))
            detail = {"from": "cancelled", "blocked_by": waiting}
            await timeline.record(tx.conn, row["seq"], "blocked", detail=detail)
            work.append(row["seq"])


async def check_deletable(tx: Tx, row: asyncpg.Record) -> None:
    """``Conflict`` when blocked tasks wait for the task ``row``: deleting it would leave
    them waiting for ever."""
    if not row["dependants"]:
        return
    waiting = await _dependants(tx, row["seq"], "status = 'blocked'")
    if waiting:
        names = ", ".join(r["friendly_id"] for r in waiting[:5])
        raise Conflict(
            f"task {row['friendly_id']} cannot be deleted: blocked task(s) {names} wait for "
            "it; cancel it first (they are cancelled with it)",
            id=row["id"],
            status=row["status"],
        )
