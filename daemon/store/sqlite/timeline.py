"""Each task's timeline: one ``task_events`` row per state change, written by the statement's
own transaction (so a rolled-back change leaves no row), removed with its task by the
foreign key's cascade. The first entry, ``enqueued``, is read from the task row itself: the
insert that creates a task records its creation, so a batch of a thousand writes no
thousand more rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.task_lookup import find
from sparkq_daemon.store.sqlite.tx import Tx

# seq numbers each task's rows 1, 2, 3 …: the next after its last, found in the primary key.
INSERT = (
    "INSERT INTO task_events (task_seq, seq, at, type, attempt, worker, detail) "
    "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM task_events WHERE task_seq = ?1), "
    "?2, ?3, ?4, ?5, ?6)"
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
    """``{events: [{seq, at, type, attempt?, worker?, detail?}]}``, oldest first (the
    ``enqueued`` entry, seq 0, from the task row)."""
    task = find(conn, ref)
    events: list[dict[str, Any]] = [{"seq": 0, "at": task["created_at"], "type": "enqueued"}]
    for r in conn.execute(
        "SELECT seq, at, type, attempt, worker, detail FROM task_events WHERE task_seq = ? "
        "ORDER BY seq",
        (task["seq"],),
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
