"""Unique keys and dependencies on SQLite: the live holder of a key, what a new task's
dependencies make of it, and the dependants' resolution written in the same transaction as
their dependency's end (or its requeue): no scan ever looks for them."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store import flow
from sparkq_daemon.store.sqlite import rows, timeline
from sparkq_daemon.store.sqlite.task_lookup import SELECT, find, out
from sparkq_daemon.store.sqlite.tx import Tx
from sparkq_daemon.store.values import LIVE

_LIVE = f"status IN ({', '.join(repr(s) for s in LIVE)})"  # the unique index's


def key_holder(tx: Tx, queue_id: str, key: str, but: int | None = None) -> sqlite3.Row | None:
    """The live task of ``queue_id`` holding ``key`` (other than row ``but``), or None."""
    return tx.conn.execute(
        f"{SELECT} WHERE queue_id = ? AND unique_key = ? AND {_LIVE} AND seq IS NOT ?",
        (queue_id, key, but),
    ).fetchone()


def dependency(tx: Tx, ref: str) -> tuple[int, str, str, str]:
    """(seq, id, friendly id, status) of the task ``ref`` names; NotFound naming it."""
    row = find(tx.conn, ref)
    return row["seq"], row["id"], row["friendly_id"], row["status"]


def link(tx: Tx, edges: list[tuple[int, int]]) -> None:
    """Store (dependency seq, dependant seq) edges and mark the dependencies as named."""
    tx.conn.executemany("INSERT OR IGNORE INTO task_deps (dep_seq, task_seq) VALUES (?, ?)", edges)
    tx.conn.executemany(
        "UPDATE tasks SET dependants = 1 WHERE seq = ? AND dependants = 0",
        [(dep,) for dep in {e[0] for e in edges}],
    )


def _event(tx: Tx, type_: str, row: sqlite3.Row, status: str, **more: Any) -> None:
    tx.emit(
        "task",
        type_,
        id=row["id"],
        friendly_id=row["friendly_id"],
        queue_id=row["queue_id"],
        queue_name=row["queue_name"] or "",
        tool=row["tool"],
        status=status,
        **more,
    )


def _dependants(tx: Tx, seq: int, where: str) -> list[sqlite3.Row]:
    return tx.conn.execute(
        f"{SELECT} WHERE seq IN (SELECT task_seq FROM task_deps WHERE dep_seq = ?) AND {where} "
        "ORDER BY seq",
        (seq,),
    ).fetchall()


def settle_dependants(tx: Tx, ended: sqlite3.Row | dict[str, Any], status: str) -> None:
    """The task ``ended`` (with its ``seq``) just became ``status``: a success takes it off its
    blocked dependants' ``blocked_by`` (the last one unblocks them: ``queued``, or
    ``scheduled`` before their ``run_at``); a failure or cancellation cancels them with
    reason ``dependency``, and theirs after them, down the chain."""
    if not ended["dependants"]:
        return
    work = [(ended["seq"], ended["id"], ended["friendly_id"], status)]
    while work:
        seq, id_, friendly, how = work.pop()
        for row in _dependants(tx, seq, "status = 'blocked'"):
            if how == "succeeded":
                _unblock_one(tx, row, id_)
            else:
                error = flow.dependency_error(friendly, how)
                tx.conn.execute(
                    "UPDATE tasks SET status = 'cancelled', reason = 'dependency', error = ?, "
                    "finished_at = ?, updated_at = ? WHERE seq = ? AND status = 'blocked'",
                    (error, tx.now, tx.now, row["seq"]),
                )
                tx.moved(row["queue_id"], "blocked", "cancelled")
                _event(tx, "task.cancelled", row, "cancelled", reason="dependency", error=error)
                detail = {"reason": "dependency", "dependency": id_, "error": error}
                timeline.record(tx, row["seq"], "cancelled", detail=detail)
                if row["dependants"]:
                    work.append((row["seq"], row["id"], row["friendly_id"], "cancelled"))


def _unblock_one(tx: Tx, row: sqlite3.Row, succeeded_id: str) -> None:
    left = [x for x in rows.decode(row["blocked_by"]) or [] if x != succeeded_id]
    if left:
        tx.conn.execute(
            "UPDATE tasks SET blocked_by = ?, updated_at = ? WHERE seq = ?",
            (rows.encode(left), tx.now, row["seq"]),
        )
        return
    # Times are the protocol's UTC ISO strings: they compare in time order.
    status = "scheduled" if row["run_at"] is not None and row["run_at"] > tx.now else "queued"
    if status == "scheduled":
        tx.due.lower(_unix(row["run_at"]))
    if row["expires_at"] is not None:
        tx.due.lower(_unix(row["expires_at"]))
    tx.conn.execute(
        "UPDATE tasks SET status = ?, blocked_by = '[]', updated_at = ? "
        "WHERE seq = ? AND status = 'blocked'",
        (status, tx.now, row["seq"]),
    )
    tx.moved(row["queue_id"], "blocked", status)
    more = {"run_at": row["run_at"]} if status == "scheduled" else {}
    _event(tx, "task.unblocked", row, status, **more)
    timeline.record(tx, row["seq"], "unblocked", detail={"status": status})


def _unix(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def deps_of(tx: Tx, seq: int) -> list[tuple[str, str, str]]:
    """(id, friendly id, status) of the dependencies of task ``seq`` that still exist."""
    return tx.conn.execute(
        "SELECT d.id, d.friendly_id, d.status FROM task_deps e JOIN tasks d "
        "ON d.seq = e.dep_seq WHERE e.task_seq = ? ORDER BY d.seq",
        (seq,),
    ).fetchall()


def requeue_status(tx: Tx, row: sqlite3.Row) -> tuple[str, list[str]]:
    """Where a requeue puts the task ``row``: ``blocked`` (and by what) while a dependency
    has not succeeded, else ``queued``; ``Conflict`` while one has failed or is cancelled."""
    if row["depends_on"] is None:
        return "queued", []
    status, waiting, error = flow.verdict(deps_of(tx, row["seq"]))
    if status == "cancelled":
        raise Conflict(
            f"task {row['friendly_id']} cannot be requeued: its {error}; requeue that first",
            id=row["id"],
            status=row["status"],
        )
    return status or "queued", waiting


def check_key_free(tx: Tx, row: sqlite3.Row) -> None:
    """``Conflict`` when another live task of the queue holds ``row``'s unique key."""
    if row["unique_key"] is None or row["status"] not in rows.TERMINAL:
        return
    holder = key_holder(tx, row["queue_id"], row["unique_key"], but=row["seq"])
    if holder is not None:
        raise Conflict(
            f"task {row['friendly_id']} cannot be requeued: its unique_key "
            f"{row['unique_key']!r} is held by live task {holder['friendly_id']}",
            id=row["id"],
            status=row["status"],
            holder=holder["id"],
        )


def restore_dependants(tx: Tx, requeued: sqlite3.Row) -> None:
    """The failed or cancelled task ``requeued`` is live again: its dependants cancelled
    because of it (and theirs, down the chain) go back to ``blocked``, unless another of
    their dependencies still stands failed or cancelled, or their key is taken."""
    if not requeued["dependants"]:
        return
    work = [requeued["seq"]]
    while work:
        seq = work.pop()
        for row in _dependants(tx, seq, "status = 'cancelled' AND reason = 'dependency'"):
            status, waiting, _ = flow.verdict(deps_of(tx, row["seq"]))
            if status != "blocked":
                continue
            if row["unique_key"] is not None and key_holder(
                tx, row["queue_id"], row["unique_key"], but=row["seq"]
            ):
                continue
            tx.conn.execute(
                "UPDATE tasks SET status = 'blocked', blocked_by = ?, reason = NULL, error = NULL, "
                "finished_at = NULL, attempts = 0, updated_at = ? "
                "WHERE seq = ? AND status = 'cancelled'",
                (rows.encode(waiting), tx.now, row["seq"]),
            )
            tx.moved(row["queue_id"], "cancelled", "blocked")
            _event(tx, "task.blocked", row, "blocked", blocked_by=waiting)
            detail = {"from": "cancelled", "blocked_by": waiting}
            timeline.record(tx, row["seq"], "blocked", detail=detail)
            work.append(row["seq"])


def check_deletable(tx: Tx, row: sqlite3.Row) -> None:
    """``Conflict`` when blocked tasks wait for the task ``row``: deleting it would leave
    them waiting for ever."""
    if not row["dependants"]:
        return
    waiting = _dependants(tx, row["seq"], "status = 'blocked'")
    if waiting:
        names = ", ".join(r["friendly_id"] for r in waiting[:5])
        raise Conflict(
            f"task {row['friendly_id']} cannot be deleted: blocked task(s) {names} wait for "
            "it; cancel it first (they are cancelled with it)",
            id=row["id"],
            status=row["status"],
        )


def duplicate(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """The Task an enqueue deduplicated onto."""
    task = out(row) if isinstance(row, sqlite3.Row) else dict(row)
    task["duplicate"] = True
    return task
