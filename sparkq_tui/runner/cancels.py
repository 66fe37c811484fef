"""Cancellation of a running task: on the daemon's ``task.cancelled`` event for a task this
runner holds, its process group is stopped (TERM, then KILL after CANCEL_GRACE seconds) and
nothing more is reported for it (the daemon would refuse it: the task is cancelled)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sparkq_tui.runner.events import EventHub
from sparkq_tui.runner.running import RunningTask

log = logging.getLogger("sparkq.runner")
CANCEL_GRACE = 2.0


async def stop_cancelled(
    hub: EventHub, running: Callable[[], dict[str, RunningTask]], worker: str
) -> None:
    """Run for ever: stop each task of ``running()`` that a ``task.cancelled`` event names."""
    with hub.listen() as events:
        while True:
            event = await events.get()
            if event.get("type") != "task.cancelled":
                continue
            item = running().get(str(event.get("id")))
            if item is None or item.lost_reason or event.get("worker") not in (None, worker):
                continue
            log.info("%s was cancelled: stopping it, reporting nothing", item.label)
            item.take_away("it was cancelled", CANCEL_GRACE)
