"""Reading one task: the columns every task statement returns, and lookup by id or friendly id."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import NotFound
from sparkq_daemon.ids import seq_of_task_id
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.rows import TASK_COLUMNS

QUEUE_NAME = "(SELECT name FROM queues WHERE queues.id = tasks.queue_id) AS queue_name"
SELECT = f"SELECT seq, {TASK_COLUMNS}, {QUEUE_NAME} FROM tasks"


def prefixed(alias: str) -> str:
    """TASK_COLUMNS qualified by a table alias."""
    return ", ".join(f"{alias}.{c.strip()}" for c in TASK_COLUMNS.split(","))


def match(ref: str, first: int = 1) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause (placeholders from ``$first``) for a task id or a friendly id."""
    seq = seq_of_task_id(ref)
    if seq is not None:
        return f"seq = ${first} AND id = ${first + 1}", (seq, ref)
    return f"friendly_id = ${first}", (ref.upper(),)


async def find(conn: asyncpg.Connection, ref: str, lock: bool = False) -> asyncpg.Record:
    """The task with this id or friendly id, or NotFound naming it."""
    clause, args = match(ref)
    row = await conn.fetchrow(
        f"{SELECT} WHERE {clause}" + (" FOR UPDATE OF tasks" if lock else ""), *args
    )
    if row is None:
        raise NotFound(f"task {ref!r} does not exist", id=ref)
    return row


async def get(conn: asyncpg.Connection, ref: str) -> dict[str, Any]:
    return rows.task(await find(conn, ref))
