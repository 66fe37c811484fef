"""The due timer: one loop timer on the next moment a task is due or expires, so it is
promoted (and a waiting claimer served) at its due time without polling.

Waits are given relative to the database's now (a due time minus the database time of the
write that set it), so a daemon's own clock never decides what is due; the timer converts
them to the loop's clock. It is re-armed earlier whenever this daemon or another (their
events carry ``run_at``) schedules an earlier task, and after each promotion for the next."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("sparkq.store")
SLACK = 0.002  # the loop's timers are millisecond-precise: never wake before the time
RETRY_AFTER = 1.0  # seconds before trying again after a failed promotion


class DueTimer:
    """Calls ``promote()`` when a noted wait has passed; ``promote`` returns the next wait."""

    def __init__(self, promote: Callable[[], Awaitable[float | None]]) -> None:
        self._promote = promote
        self._at: float | None = None  # loop time of the armed wake-up
        self._handle: asyncio.TimerHandle | None = None
        self._running: asyncio.Task[None] | None = None
        self._closed = False
        self._again = False

    def note(self, wait: float | None) -> None:
        """Something is due in ``wait`` seconds (database time): wake by then."""
        if wait is None or self._closed:
            return
        loop = asyncio.get_running_loop()
        at = loop.time() + max(0.0, wait) + SLACK
        if self._at is not None and self._at <= at:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._at = at
        self._handle = loop.call_at(at, self._fire)

    def overdue(self) -> bool:
        """Whether a noted due time has come and its promotion has not run yet."""
        return self._at is not None and self._at - SLACK <= asyncio.get_running_loop().time()

    def reset(self) -> None:
        """Forget the armed wake-up (a promotion is about to run; it notes the next)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._at = None

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
                following = RETRY_AFTER
        self.note(following)

    async def close(self) -> None:
        self._closed = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._running is not None:
            with contextlib.suppress(BaseException):
                await self._running
