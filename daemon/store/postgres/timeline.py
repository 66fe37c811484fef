"""Each task's timeline: one ``task_events`` row per state change, written in the state
change's own transaction (a rolled-back change leaves no row), removed with its task by the
foreign key's cascade. A task's rows are numbered by its ``events`` column, bumped by the
guarded UPDATE that changes its state: the row lock makes the numbers race-free across
daemons. The first entry, ``enqueued`` (seq 0), is read from the task row itself."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.task_lookup import find

COLUMNS = "task_seq, seq, at, type, attempt, worker, detail"


def cte(type_sql: str, name: str = "ev", rows: str = "c") -> str:
    """A CTE ``name`` writing one row for each task of the CTE ``rows`` (which returned its
    bumped ``events``)."""
    return (
        f"{name} AS (INSERT INTO task_events ({COLUMNS}) "
        f"SELECT {rows}.seq, {rows}.events, now(), {type_sql}, NULLIF({rows}.attempts, 0), "
        f"{rows}.worker, NULL FROM {rows})"
    )


RECORD = f"""
WITH n AS (UPDATE tasks SET events = events + 1 WHERE seq = $1 RETURNING events)
INSERT INTO task_events ({COLUMNS}) SELECT $1, n.events, now(), $2, $3, $4, $5 FROM n
"""


async def record(
    conn: asyncpg.Connection,
    task_seq: int,
    type_: str,
    attempt: int | None = None,
    worker: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one row to a task's timeline (inside the transaction that changed it)."""
    await conn.execute(RECORD, task_seq, type_, attempt or None, worker, rows.encode(detail))


async def list_(conn: asyncpg.Connection, ref: str) -> list[dict[str, Any]]:
    """``[{seq, at, type, attempt?, worker?, detail?}]``, oldest first (the ``enqueued``
    entry, seq 0, from the task row)."""
    task = await find(conn, ref)
    events: list[dict[str, Any]] = [
        {"seq": 0, "at": rows.iso(task["created_at"]), "type": "enqueued"}
    ]
    found = await conn.fetch(
        "SELECT seq, at, type, attempt, worker, detail FROM task_events WHERE task_seq = $1 "
        "ORDER BY seq",
        task["seq"],
    )
    for r in found:
        event: dict[str, Any] = {"seq": r["seq"], "at": rows.iso(r["at"]), "type": r["type"]}
        if r["attempt"] is not None:
            event["attempt"] = r["attempt"]
        if r["worker"] is not None:
            event["worker"] = r["worker"]
        if r["detail"] is not None:
            event["detail"] = rows.decode(r["detail"])
        events.append(event)
    return events
