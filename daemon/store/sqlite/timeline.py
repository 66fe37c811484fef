"""Each task's timeline: one ``task_events`` row per state change, written by the statement's
own transaction (so a rolled-back change leaves no row), removed with its task by the
foreign key's cascade."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.task_lookup import find
from sparkq_daemon.store.sqlite.tx import Tx

INSERT = (
    "INSERT INTO task_events (task_seq, at, type, attempt, worker, detail) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
Row = tuple[int, str, str, int | None, str | None, str | None]


def entry(
    tx: Tx,
    task_seq: int,
    type_: str,
    attempt: int | None = None,
    worker: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Row:
    """One timeline row for ``record_many``."""
    return (task_seq, tx.now, type_, attempt, worker, rows.encode(detail) if detail else None)


def record(
    tx: Tx,
    task_seq: int,
    type_: str,
    attempt: int | None = None,
    worker: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one row to a task's timeline, at the transaction's time."""
    tx.conn.execute(INSERT, entry(tx, task_seq, type_, attempt, worker, detail))


def record_many(tx: Tx, entries: Iterable[Row]) -> None:
    tx.conn.executemany(INSERT, list(entries))


def list_(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    """``{events: [{seq, at, type, attempt?, worker?, detail?}]}``, oldest first."""
    seq = find(conn, ref)["seq"]
    events = []
    for r in conn.execute(
        "SELECT seq, at, type, attempt, worker, detail FROM task_events WHERE task_seq = ? "
        "ORDER BY seq",
        (seq,),
    ):
        event: dict[str, Any] = {"seq": r[0], "at": r[1], "type": r[2]}
        if r[3] is not None:
            event["attempt"] = r[3]
        if r[4] is not None:
            event["worker"] = r[4]
        if r[5] is not None:
            event["detail"] = rows.decode(r[5])
        events.append(event)
    return {"events": events}
