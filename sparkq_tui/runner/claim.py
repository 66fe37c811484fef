"""Taking the next task from the daemon. With one queue (or none: any queue) the runner waits
inside ``task.claim(wait=…)``; with several it tries each in turn and then waits for an event
that says one of them has work. Nothing polls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.runner.events import EventHub
from sparkq_tui.runner.holding import fenced, holder_of
from sparkq_tui.runner.options import RunnerOptions
from sparkq_tui.runner.outbox import Outbox

log = logging.getLogger("sparkq.runner")

WAKE_EVENTS = frozenset(
    {
        "task.enqueued",
        "task.requeued",
        "task.updated",
        "task.due",
        "task.rescheduled",
        "queue.resumed",
        "queue.unarchived",
    }
)
ALWAYS_WAKE = frozenset({"connection.restored", "events.overflow"})


class Claimer:
    """Claims tasks for one runner. A claim still in flight when the runner stops is left to
    finish in the background; a task it brings is requeued at once (``settle`` waits)."""

    def __init__(
        self,
        client: AsyncClient,
        options: RunnerOptions,
        outbox: Outbox,
        stopping: asyncio.Event,
    ) -> None:
        self.client = client
        self.options = options
        self.outbox = outbox
        self.stopping = stopping
        self.queue_ids: dict[str, str] = {}
        self.hub: EventHub | None = None
        self._abandoned: set[asyncio.Future[Any]] = set()

    async def prepare(self) -> None:
        """Check that every queue exists (raises ``NotFoundError``) and, with several queues,
        subscribe to the events that announce work."""
        for queue in self.options.queues:
            info = await self.client.call("queue.get", queue=queue)
            self.queue_ids[info["id"]] = info["name"]
            if info.get("paused"):
                log.warning(
                    "queue %s is paused: nothing is claimed from it until `sparkq queue resume %s`",
                    info["name"],
                    info["name"],
                )
        if len(self.options.queues) > 1:
            self.hub = EventHub(self.client)
            await self.hub.start()

    async def close(self) -> None:
        if self.hub is not None:
            await self.hub.close()

    async def next_task(self, wait: float) -> dict[str, Any] | None:
        """The next task, or None when none came within ``wait`` s or the runner is stopping.
        Raises ``DaemonUnavailable`` when the daemon is away."""
        if self.stopping.is_set():
            return None
        queues = list(self.queue_ids) or [None]
        if len(queues) == 1:
            return await self._claim_unless_stopped(queues[0], wait)
        assert self.hub is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        with self.hub.listen() as events:
            while True:
                for queue in queues:
                    task = await self._claim_unless_stopped(queue, 0)
                    if task is not None or self.stopping.is_set():
                        return task
                if not await self._wait_for_work(events, deadline - loop.time()):
                    return None

    def claim_next_params(self) -> dict[str, Any] | None:
        """``claim_next`` for a report: the claim this runner would make next, without
        waiting (None with several queues: those are tried in turn)."""
        if len(self.queue_ids) > 1:
            return None
        params: dict[str, Any] = {}
        if self.queue_ids:
            params["queue"] = next(iter(self.queue_ids))
        if self.options.tools is not None:
            params["tools"] = sorted(self.options.tools)
        return params

    async def settle(self, timeout: float) -> None:
        """Wait (bounded) for claims that were in flight when the runner stopped."""
        if self._abandoned:
            log.info("waiting for %d claim(s) in flight", len(self._abandoned))
            await asyncio.wait(self._abandoned, timeout=timeout)

    async def _wait_for_work(self, events: asyncio.Queue[dict[str, Any]], timeout: float) -> bool:
        """True when an event says a queue of ours may have work; False on timeout or stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            while (remaining := deadline - loop.time()) > 0:
                get = asyncio.ensure_future(events.get())
                done, _ = await asyncio.wait(
                    {get, stop}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                if get not in done:
                    get.cancel()
                    return False
                if self._announces_work(get.result()):
                    return True
            return False
        finally:
            stop.cancel()

    def _announces_work(self, event: dict[str, Any]) -> bool:
        kind = event.get("type")
        if kind in ALWAYS_WAKE:
            return True
        if kind not in WAKE_EVENTS:
            return False
        return event.get("queue_id") in self.queue_ids or event.get("id") in self.queue_ids

    async def _claim_unless_stopped(self, queue: str | None, wait: float) -> dict[str, Any] | None:
        claim = asyncio.ensure_future(self._claim(queue, wait))
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            done, _ = await asyncio.wait({claim, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if claim in done:
            return claim.result()
        self._abandoned.add(claim)
        claim.add_done_callback(self._requeue_late_claim)
        return None

    def _requeue_late_claim(self, claim: asyncio.Future[Any]) -> None:
        self._abandoned.discard(claim)
        with contextlib.suppress(Exception, asyncio.CancelledError):
            task = claim.result()
            if task is not None:
                log.info("requeueing %s: claimed while stopping", task.get("friendly_id"))
                self.outbox.send(
                    "task.requeue",
                    fenced({"id": task["id"], "worker": self.options.worker}, task),
                    holder_of(task, self.options.worker),
                )

    async def _claim(self, queue: str | None, wait: float) -> dict[str, Any] | None:
        params: dict[str, Any] = {"worker": self.options.worker}
        if queue is not None:
            params["queue"] = queue
        if wait > 0:
            params["wait"] = wait
        if self.options.tools is not None:
            params["tools"] = sorted(self.options.tools)
        result = await self.client.call("task.claim", params)
        return result.get("task")
