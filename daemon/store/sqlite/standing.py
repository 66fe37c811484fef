"""``task.claim(wait=…)`` without polling: standing claims served inside the group commit.

A claim that finds nothing, and may wait, stays here as a standing claim. When a group
commit makes a task claimable (enqueued, requeued, due, rescheduled, a queue resumed or unarchived), the
writer serves the standing claims in arrival order inside that same transaction: the task
is handed over with one fsync, and a burst wakes nobody who cannot get a task."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sparkq_daemon.errors import RpcError
from sparkq_daemon.store.sqlite import tasks as task_store
from sparkq_daemon.store.sqlite.tx import Tx

WAKING_EVENTS = frozenset(
    {
        "task.enqueued",
        "task.requeued",
        "task.unblocked",
        "task.due",
        "task.rescheduled",
        "queue.resumed",
        "queue.unarchived",
        "queue.updated",
    }
)


# A task of a queue at its concurrency limit ended: a slot is free for its waiting claims.
FREEING_EVENTS = frozenset(
    {"task.completed", "task.failed", "task.retrying", "task.cancelled", "task.deleted"}
)


@dataclass(slots=True)
class Standing:
    queue: str | None
    worker: str | None
    tools: tuple[str, ...] | None
    future: asyncio.Future[Any]


class StandingClaims:
    """Claimers waiting for work, first come first served."""

    def __init__(self, on_slot: Callable[[float], None] = lambda at: None) -> None:
        """``on_slot(at)``: a rate-limited queue opens a slot at ``at`` (unix seconds): the
        store arms a timer that calls ``kick``."""
        self._waiting: deque[Standing] = deque()
        self._on_slot = on_slot
        self._kicked = False
        self._freeing: set[str] = set()  # queues found at their concurrency limit

    def kick(self) -> None:
        """Serve the standing claims in the next group commit, whatever it writes."""
        self._kicked = True

    def _woken(self, events: list[dict[str, Any]]) -> bool:
        if self._kicked:
            return True
        for e in events:
            if e["type"] in WAKING_EVENTS:
                return True
            if e["type"] in FREEING_EVENTS and e.get("queue_id") in self._freeing:
                return True
        return False

    def _note_limits(self, tx: Tx) -> None:
        """Remember the limits claims met in this group: a freed slot or a timer wakes them."""
        for queue_id, (reason, opens) in tx.group.limited.items():
            if reason == "concurrency":
                self._freeing.add(queue_id)
            elif opens is not None and self._waiting:
                self._on_slot(opens)

    def add(self, queue: str | None, worker: str | None, tools: list[str] | None) -> Standing:
        """Register a claimer; its future gets the task (or an error) when one is handed over."""
        standing = Standing(
            queue,
            worker,
            tuple(tools) if tools else None,
            asyncio.get_running_loop().create_future(),
        )
        self._waiting.append(standing)
        return standing

    def withdraw(self, standing: Standing) -> None:
        """The claimer stopped waiting (timeout, disconnect, shutdown)."""
        if not standing.future.done():
            standing.future.cancel()
        with contextlib.suppress(ValueError):
            self._waiting.remove(standing)

    def serve(self, tx: Tx, events: list[dict[str, Any]]) -> list[tuple[asyncio.Future, Any]]:
        """Hand claimable tasks to standing claims inside the caller's transaction.

        Returns (future, task or exception) pairs to resolve once the transaction commits."""
        served: list[tuple[asyncio.Future, Any]] = []
        if self._waiting and self._woken(events):
            self._kicked = False
            self._freeing.clear()  # the claims below note again what still blocks them
            self._serve(tx, served)
        self._note_limits(tx)
        return served

    def _serve(self, tx: Tx, served: list[tuple[asyncio.Future, Any]]) -> None:
        exhausted: set[tuple[str | None, tuple[str, ...] | None]] = set()
        for standing in list(self._waiting):
            key = (standing.queue, standing.tools)
            if standing.future.done() or key in exhausted or (None, None) in exhausted:
                continue
            tx.conn.execute("SAVEPOINT handoff")
            try:
                task = task_store.claim(
                    tx, standing.queue, None, standing.worker, list(standing.tools or ())
                )
            except RpcError as exc:  # the queue went away while it waited
                tx.conn.execute("ROLLBACK TO handoff")
                task = exc
            tx.conn.execute("RELEASE handoff")
            if task is None:
                exhausted.add(key)
                continue
            self._waiting.remove(standing)
            served.append((standing.future, task))
