"""task.progress: how far a running task is, reported from inside it."""

from __future__ import annotations

import time
from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.errors import Validation
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required, show

MAX_MESSAGE = 1000
EVENT_INTERVAL = 0.25  # at most four task.progress events per second per task
_FORGET_AFTER = 60.0


class Throttle:
    """Which reports of a task may publish an event: the first, then one per ``interval``
    seconds (a report that reaches 100 % always does)."""

    def __init__(self, interval: float = EVENT_INTERVAL) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}

    def allows(self, task_id: str, final: bool, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._last.get(task_id)
        if not final and last is not None and now - last < self.interval:
            return False
        self._last[task_id] = now
        if len(self._last) > 10_000:  # tasks that stopped reporting long ago
            self._last = {k: t for k, t in self._last.items() if now - t < _FORGET_AFTER}
        return True


THROTTLE = Throttle()


@rpc(
    "task.progress",
    id=required("ref"),
    percent=optional("number", min=0, max=100),
    message=optional("str"),
    worker=optional("str"),
    attempt=optional("int", min=1),
    lease=optional("int", min=1),
)
async def progress(
    ctx: Context,
    id: str,
    percent: float | None = None,
    message: str | None = None,
    worker: str | None = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    """Report how far a running task is (percent 0–100, a message); counts as a heartbeat."""
    if message is not None and len(message) > MAX_MESSAGE:
        raise Validation(
            f"message {show(message)} is {len(message)} characters; at most {MAX_MESSAGE}",
            field="message",
        )
    announce = THROTTLE.allows(id, percent is not None and percent >= 100)
    return await ctx.store.task_progress(id, worker, attempt, percent, message, announce, lease)
