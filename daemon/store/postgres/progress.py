"""``task.progress`` on PostgreSQL: one guarded UPDATE of the running task that also counts
as its heartbeat; members not given keep their last value. An announced report runs in a
transaction that sends its event to every daemon; the others are one statement."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.store.live import progress_event
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.tasks import _guard, _refuse_running, _update_running

_ASSIGN = (
    "progress = jsonb_build_object("
    "'percent', COALESCE($1::float8, (t.progress::jsonb ->> 'percent')::float8), "
    "'message', COALESCE($2::text, t.progress::jsonb ->> 'message'), "
    "'at', sparkq_iso(now()))::text, "
    "heartbeat_at = now(), beat = now(), stale_warned_at = NULL, updated_at = now()"
)


async def report(
    conn: asyncpg.Connection,
    ref: str,
    worker: str | None,
    attempt: int | None,
    percent: float | None,
    message: str | None,
    lease: int | None = None,
) -> dict[str, Any]:
    """Record the progress of a running task (no event)."""
    clause, held, args = _guard(ref, worker, 3, attempt, lease)
    row = await conn.fetchrow(_update_running(clause, _ASSIGN, held, None), percent, message, *args)
    if row is None:
        await _refuse_running(conn, ref, worker, "given progress", attempt, lease=lease)
    return rows.task(row)


async def announce(
    tx: Tx,
    ref: str,
    worker: str | None,
    attempt: int | None,
    percent: float | None,
    message: str | None,
    lease: int | None = None,
) -> dict[str, Any]:
    """``report``, publishing its ``task.progress`` event when the transaction commits."""
    task = await report(tx.conn, ref, worker, attempt, percent, message, lease)
    tx.events.append(progress_event(task, task["updated_at"]))
    return task
