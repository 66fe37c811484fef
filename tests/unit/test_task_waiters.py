"""task.wait's waiters on the event bus: an event that ends a watched task wakes its waiters
(one that does not end it, or names another task, does not), and a gap in the events (lost
notifications from other daemons) wakes every waiter to re-read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sparkq_daemon.config import Config
from sparkq_daemon.context import Daemon
from sparkq_daemon.events import EventBus


def _event(task_id: str, type_: str, status: str) -> dict:
    return {"topic": "task", "type": type_, "id": task_id, "status": status}


def test_only_an_end_or_a_gap_wakes_a_waiter() -> None:
    async def scenario() -> None:
        bus = EventBus()
        daemon = Daemon(None, bus, Config(), Path("s"), Path("."), 0.0)  # type: ignore[arg-type]
        waiters = daemon.task_waiters
        with waiters.watch("tsk_a") as a, waiters.watch("tsk_b") as b:
            bus.publish([_event("tsk_a", "task.claimed", "running")])
            bus.publish([_event("tsk_b", "task.retrying", "scheduled")])
            assert not a.is_set() and not b.is_set()
            bus.publish([_event("tsk_a", "task.succeeded", "succeeded")])
            assert a.is_set() and not b.is_set()
            a.clear()
            bus.overflow()
            assert a.is_set() and b.is_set()
        assert not waiters._waiting  # every watch removed itself

    asyncio.run(scenario())
