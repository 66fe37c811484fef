"""``task.claim(wait=…)`` without polling: this daemon's standing claims, first come first
served, woken by ``sparkq_ready`` notifications from every daemon.

A claim that may wait is registered *before* its first attempt: a notification that arrives
during the attempt marks it, and the claimer tries again instead of waiting, so no wake-up is
lost between "found nothing" and "waiting". Once waiting, claims are served here in arrival
order: on a notification for a queue, each waiter of that queue gets a claim attempt until
one finds nothing. A slow fallback poll runs only while waiters exist (and at once after the
LISTEN connection came back): the safety net for a notification that never arrived."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sparkq_daemon.errors import RpcError

log = logging.getLogger("sparkq.store")
FALLBACK_POLL = 2.0  # seconds between polls while waiters exist


@dataclass(eq=False)
class Waiter:
    """One standing claim."""

    queue: str | None
    worker: str | None
    tools: tuple[str, ...] | None
    future: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    queue_id: str | None = None
    attempting: bool = True  # the claimer itself is attempting: notifications only mark it
    poked: bool = False
    serving: bool = False  # an attempt on its behalf is in flight here
    closing: bool = False  # the claimer stopped waiting; answer it once the attempt is back

    def key(self) -> tuple[str | None, tuple[str, ...] | None]:
        return (self.queue_id or self.queue, self.tools)


Attempt = Callable[[Waiter], Awaitable[Any]]


class Waiting:
    """Standing claims of this daemon. ``attempt(waiter)`` claims for one (task or None)."""

    def __init__(self, attempt: Attempt, give_back: Callable[[Any], Awaitable[Any]]) -> None:
        self._attempt = attempt
        self._give_back = give_back
        self._waiters: deque[Waiter] = deque()
        self._pending: set[str] | None = set()  # queue ids to serve; None: every queue
        self._server: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._waiters)

    def standing(self) -> int:
        """How many claims wait for a notification now (their first attempts are done)."""
        return sum(not w.attempting and not w.future.done() for w in self._waiters)

    def add(self, queue: str | None, worker: str | None, tools: tuple[str, ...] | None) -> Waiter:
        waiter = Waiter(queue, worker, tools)
        self._waiters.append(waiter)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll(), name="sparkq-claim-fallback")
        return waiter

    def withdraw(self, waiter: Waiter) -> None:
        if not waiter.future.done():
            waiter.future.cancel()
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    def poke(self, queue_ids: set[str] | None) -> None:
        """Tasks became claimable in ``queue_ids`` (None: anywhere): serve the waiters."""
        if not self._waiters:
            return
        for waiter in self._waiters:
            if waiter.attempting and _matches(waiter, queue_ids):
                waiter.poked = True
        if queue_ids is None or self._pending is None:
            self._pending = None
        else:
            self._pending |= queue_ids
        if self._server is None or self._server.done():
            self._server = asyncio.create_task(self._serve(), name="sparkq-claim-serve")

    async def close(self) -> None:
        for task in (self._server, self._poller):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for waiter in list(self._waiters):
            self.withdraw(waiter)

    async def _poll(self) -> None:
        while self._waiters:
            await asyncio.sleep(FALLBACK_POLL)
            self.poke(None)

    async def _serve(self) -> None:
        while self._pending is None or self._pending:
            targets, self._pending = self._pending, set()
            exhausted: set[tuple[Any, Any]] = set()
            for waiter in list(self._waiters):
                if waiter.future.done() or waiter.attempting or not _matches(waiter, targets):
                    continue
                if waiter.key() in exhausted or (None, None) in exhausted:
                    continue
                waiter.serving = True
                try:
                    outcome: Any = await self._attempt(waiter)
                except RpcError as exc:  # the queue went away while it waited
                    outcome = exc
                except Exception as exc:  # the database is unreachable: try again later
                    log.warning("serving a waiting claim failed: %s", exc)
                    outcome = None
                finally:
                    waiter.serving = False
                if outcome is None:
                    exhausted.add(waiter.key())
                    if waiter.closing and not waiter.future.done():
                        waiter.future.set_result(None)
                    continue
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
                if waiter.future.done():  # its claimer is gone: the task goes back
                    if not isinstance(outcome, BaseException):
                        with contextlib.suppress(Exception):
                            await self._give_back(outcome)
                    continue
                if isinstance(outcome, BaseException):
                    waiter.future.set_exception(outcome)
                else:
                    waiter.future.set_result(outcome)


def _matches(waiter: Waiter, queue_ids: set[str] | None) -> bool:
    if queue_ids is None or waiter.queue is None or waiter.queue_id is None:
        return True
    return waiter.queue_id in queue_ids
