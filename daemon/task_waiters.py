"""Calls waiting for tasks to end (``task.wait``), woken from the event bus.

One bus listener serves every waiter: an event that ends (or deletes) a watched task wakes
its waiters, who re-read the task; a gap (events lost, on PostgreSQL) wakes them all. Events of other
daemons arrive on the same bus through LISTEN/NOTIFY, so a task ended anywhere wakes its
waiters here. No polling."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sparkq_daemon.store.values import TERMINAL


class TaskWaiters:
    """task id -> the events of the calls waiting on it."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Event]] = {}

    @contextmanager
    def watch(self, task_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever ``task_id`` changes, for the ``with`` block's duration."""
        woken = asyncio.Event()
        self._waiting.setdefault(task_id, set()).add(woken)
        try:
            yield woken
        finally:
            watchers = self._waiting.get(task_id)
            if watchers is not None:
                watchers.discard(woken)
                if not watchers:
                    del self._waiting[task_id]

    def wake(self, events: list[dict[str, Any]]) -> None:
        """The bus listener: wake the waiters of every task that ``events`` end (or delete)."""
        if not self._waiting:
            return
        for event in events:
            if event["topic"] != "task" or not (
                event.get("status") in TERMINAL or event["type"] == "task.deleted"
            ):
                continue
            watchers = self._waiting.get(event.get("id"))
            if watchers:
                for woken in watchers:
                    woken.set()

    def wake_all(self) -> None:
        """Events were lost: every waiter re-reads its task."""
        for watchers in self._waiting.values():
            for woken in watchers:
                woken.set()
