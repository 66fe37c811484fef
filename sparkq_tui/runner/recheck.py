"""After the connection to the daemon comes back (a daemon restart), check that each task
this runner is executing is still its own. One that is not (the sweeper failed it, someone
requeued or deleted it, it was claimed again) has its process stopped and is not reported,
so one task never runs twice."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import DaemonUnavailable, SparkQError
from sparkq_tui.runner.events import EventHub
from sparkq_tui.runner.holding import look_up
from sparkq_tui.runner.running import RunningTask

log = logging.getLogger("sparkq.runner")


async def recheck_on_reconnect(
    client: AsyncClient, hub: EventHub, running: Callable[[], list[RunningTask]]
) -> None:
    """Run for ever: on each ``connection.restored``, recheck the tasks ``running()`` lists."""
    with hub.listen() as events:
        while True:
            event = await events.get()
            if event.get("type") == "connection.restored":
                await recheck(client, running())


async def recheck(client: AsyncClient, tasks: list[RunningTask]) -> None:
    for item in tasks:
        if item.lost_reason or item.requeue_reason:
            continue
        try:
            state = await look_up(client, item.task["id"], item.holder)
        except DaemonUnavailable:
            return  # gone again: the next connection.restored checks again
        except SparkQError as exc:
            log.warning("could not recheck %s: %s", item.label, exc.message)
            continue
        if state.held:
            continue
        became = state.describe()
        log.warning(
            "%s changed while the daemon was away: it is %s now; stopping it, not reporting it",
            item.label,
            became,
        )
        item.take_away(f"it became {became} while the daemon was away")
