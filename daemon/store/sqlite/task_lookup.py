"""Reading one task: the columns every task statement returns, and lookup by id or friendly id."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import NotFound
from sparkq_daemon.ids import seq_of_task_id
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.rows import TASK_COLUMNS

# Every task row comes with its queue's name, so no statement needs a second lookup.
COLUMNS = (
    f"seq, {TASK_COLUMNS}, (SELECT name FROM queues WHERE queues.id = tasks.queue_id) AS queue_name"
)
SELECT = f"SELECT {COLUMNS} FROM tasks"
RETURNING = f" RETURNING {COLUMNS}"


def out(row: sqlite3.Row) -> dict[str, Any]:
    task = rows.task(row)
    task.pop("seq", None)
    return task


def match(ref: str) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause for a task id (row number and id) or a friendly id."""
    seq = seq_of_task_id(ref)
    if seq is not None:
        return "seq = ? AND id = ?", (seq, ref)
    return "friendly_id = ?", (ref.upper(),)


def find(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """The task with this id or friendly id, or NotFound naming it."""
    clause, args = match(ref)
    row = conn.execute(f"{SELECT} WHERE {clause}", args).fetchone()
    if row is None:
        raise NotFound(f"task {ref!r} does not exist", id=ref)
    return row


def get(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    return out(find(conn, ref))
