"""The due timer: one loop timer on the earliest ``run_at`` of a scheduled task, so a task is
promoted (and a waiting claimer served) at its due time without polling.

Times are the store's clock's; the timer converts the wait into the loop's clock at arming
(``run_at`` − the store's now), so an injected clock still decides what is due. It is re-armed
earlier whenever a commit schedules an earlier task, and after each promotion for the next
one; a task cancelled or rescheduled meanwhile only makes one promotion find nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sparkq_daemon.clock import Clock

log = logging.getLogger("sparkq.store")
SLACK = 0.001  # the loop's timers are millisecond-precise: never wake before the time


class DueTimer:
    """Calls ``promote()`` at the earliest due time noted; ``promote`` returns the next one."""

    def __init__(self, clock: Clock, promote: Callable[[], Awaitable[float | None]]) -> None:
        self._clock = clock
        self._promote = promote
        self._at: float | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._running: asyncio.Task[None] | None = None
        self._closed = False
        self._again = False

    def note(self, due: float | None) -> None:
        """A task is due at ``due`` (unix seconds, the store's clock): wake by then."""
        if due is None or self._closed:
            return
        if self._at is not None and self._at <= due:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._at = due
        wait = max(0.0, due - self._clock()[0]) + SLACK
        self._handle = asyncio.get_running_loop().call_later(wait, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._at = None
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._run(), name="sparkq-due")
        else:  # a promotion is under way: it runs once more when it ends
            self._again = True

    async def _run(self) -> None:
        self._again = True
        following: float | None = None
        while self._again and not self._closed:
            self._again = False
            try:
                following = await self._promote()
            except Exception:
                if self._closed:
                    return
                log.exception("promoting due tasks failed")
                following = self._clock()[0] + 1.0  # try again shortly
        self.note(following)

    async def close(self) -> None:
        self._closed = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._running is not None:
            with contextlib.suppress(BaseException):
                await self._running
