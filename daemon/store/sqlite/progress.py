"""``task.progress`` on SQLite: one guarded UPDATE of the running task that also counts as
its heartbeat; members not given keep their last value."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.store.live import progress_event
from sparkq_daemon.store.sqlite.database import telemetry
from sparkq_daemon.store.sqlite.task_lookup import out
from sparkq_daemon.store.sqlite.tasks import _update_running
from sparkq_daemon.store.sqlite.tx import Tx

_ASSIGN = (
    "progress = json_object("
    "'percent', COALESCE(?, json_extract(progress, '$.percent')), "
    "'message', COALESCE(?, json_extract(progress, '$.message')), 'at', ?), "
    "heartbeat_at = ?, beat = ?, stale_warned_at = NULL, updated_at = ?"
)


@telemetry
def report(
    tx: Tx,
    ref: str,
    worker: str | None,
    attempt: int | None,
    percent: float | None,
    message: str | None,
    announce: bool,
    lease: int | None = None,
) -> dict[str, Any]:
    """Record the progress of a running task; with ``announce``, its ``task.progress`` event."""
    row = _update_running(
        tx,
        ref,
        worker,
        "given progress",
        _ASSIGN,
        (percent, message, tx.now, tx.now, tx.ts, tx.now),
        attempt,
        lease,
    )
    task = out(row)
    if announce:
        tx.events.append(progress_event(task, tx.now))
    return task
