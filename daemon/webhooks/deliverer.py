"""The background deliverer: takes due deliveries from the outbox, posts each one signed per
Standard Webhooks, and records the outcome (delivered, retried after its backoff, or failed
after the last attempt).

The HTTP client is httpx (``httpx2``, already what the provider SDKs use): async, pure
Python, redirects off by default (a 3xx is a failed attempt), and each attempt is bounded
as a whole by ``asyncio.timeout`` as well as by httpx's per-phase timeouts, so a receiver
that trickles its answer cannot hold an attempt longer than ``timeout_seconds``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from standardwebhooks import Webhook

from sparkq_daemon import __version__
from sparkq_daemon.store.base import Store

if TYPE_CHECKING:
    import httpx2

log = logging.getLogger("sparkq.webhooks")
IDLE_CHECK = 5.0  # seconds between looks at the outbox when no event wakes the deliverer
MIN_GAP = 0.02  # seconds between two takes: a burst of events costs one take, not one each
LEASE_MARGIN = 5.0  # a taken delivery stays out of other daemons' reach this much past its timeout
CONCURRENCY = 16  # attempts in flight at once


@dataclass(frozen=True)
class Schedule:
    """Per-attempt timeout and the waits between attempts (``webhooks.*`` in sparkq.yml)."""

    timeout: float = 10.0
    retries: Sequence[float] = (5, 30, 120, 300, 600, 900, 1800)

    @property
    def attempts(self) -> int:
        return len(self.retries) + 1

    def retry_in(self, attempt: int) -> float | None:
        """The wait after failed attempt ``attempt`` (1-based), None after the last one."""
        return float(self.retries[attempt - 1]) if attempt <= len(self.retries) else None


def signed_headers(delivery: dict[str, Any], now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: its id (the same across attempts),
    its time and the signature of ``id.timestamp.body`` with the webhook's secret."""
    signature = Webhook(delivery["secret"]).sign(delivery["id"], now, delivery["payload"])
    return {
        "content-type": "application/json",
        "user-agent": f"sparkq-webhooks/{__version__}",
        "webhook-id": delivery["id"],
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


class Deliverer:
    """One per daemon. ``notice`` (an event-bus listener) wakes it; on PostgreSQL the outbox
    is shared and each due delivery is taken by one daemon (``Store.webhook_due``)."""

    def __init__(
        self,
        store: Store,
        schedule: Schedule,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.schedule = schedule
        self.wall = wall
        self.active = True  # whether any webhook exists, as far as this daemon knows
        self.in_flight: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._client: httpx2.AsyncClient | None = None

    def notice(self, events: list[dict[str, Any]]) -> None:
        """An event-bus listener: committed events may have added deliveries."""
        for event in events:
            if event.get("topic") == "webhook":
                self.active = True
                break
        if self.active:
            self._wake.set()

    def client(self) -> httpx2.AsyncClient:
        """The HTTP client, made at the first delivery: a daemon without webhooks never
        imports httpx (a tenth of a second at start)."""
        if self._client is None:
            import httpx2

            logging.getLogger("httpx2").setLevel(logging.WARNING)  # one line per POST otherwise
            self._client = httpx2.AsyncClient(
                timeout=httpx2.Timeout(self.schedule.timeout),
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment between us and a local bot
            )
        return self._client

    async def run(self) -> None:
        self.active = False
        try:
            while True:
                wait: float | None = IDLE_CHECK
                try:
                    if not self.active:
                        self.active = await self.store.webhook_count() > 0
                    if self.active:
                        wait = await self._take()
                except Exception:  # the store is away: try again at the next look
                    log.exception("could not read the webhook outbox")
                await self._sleep(IDLE_CHECK if wait is None else min(wait, IDLE_CHECK))
        finally:
            await self.close()

    async def close(self) -> None:
        for task in list(self.in_flight):
            task.cancel()
        if self.in_flight:  # a cancelled attempt's lease runs out and it is tried again
            await asyncio.gather(*self.in_flight, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(seconds, MIN_GAP))
        self._wake.clear()
        await asyncio.sleep(MIN_GAP)

    async def _take(self) -> float | None:
        """Start attempts for the due deliveries; seconds until the next one is due."""
        free = CONCURRENCY - len(self.in_flight)
        if free <= 0:
            return IDLE_CHECK  # an attempt ending wakes the loop
        lease = self.schedule.timeout + LEASE_MARGIN
        due, wait = await self.store.webhook_due(free, lease)
        for delivery in due:
            task = asyncio.create_task(self._attempt(delivery), name=f"webhook {delivery['id']}")
            self.in_flight.add(task)
            task.add_done_callback(self._done)
        if not due and wait is None:
            self.active = await self.store.webhook_count() > 0
        return wait

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self._wake.set()

    async def _attempt(self, delivery: dict[str, Any]) -> None:
        attempt = delivery["attempts"] + 1
        status, error = await self._post(delivery)
        retry_in = None if error is None else self.schedule.retry_in(attempt)
        if error is not None:
            then = "gives up" if retry_in is None else f"retries in {retry_in:g} s"
            log.info(
                "webhook delivery %s (%s, attempt %d of %d) failed: %s; %s",
                delivery["id"],
                delivery["event"],
                attempt,
                self.schedule.attempts,
                error,
                then,
            )
        try:
            await self.store.webhook_record(
                delivery["id"], delivery["attempts"], status, error, retry_in
            )
        except Exception:  # its lease runs out and the attempt is made again
            log.exception("could not record the webhook delivery %s", delivery["id"])

    async def _post(self, delivery: dict[str, Any]) -> tuple[int | None, str | None]:
        """(HTTP status or None, error or None) of one bounded attempt."""
        import httpx2

        client = self.client()
        headers = signed_headers(delivery, self.wall())
        limit = self.schedule.timeout
        try:
            async with asyncio.timeout(limit):
                request = client.stream(
                    "POST", delivery["url"], content=delivery["payload"].encode(), headers=headers
                )
                async with request as reply:
                    status = reply.status_code
        except TimeoutError:
            return None, f"no answer within {limit:g} s"
        except httpx2.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if 200 <= status < 300:
            return status, None
        if 300 <= status < 400:
            return status, f"HTTP {status}: redirects are not followed"
        return status, f"HTTP {status}"


def start(daemon: Any) -> asyncio.Task[None]:
    """Start ``daemon``'s deliverer (its settings from ``webhooks.*`` in the config)."""
    config = daemon.config
    schedule = Schedule(
        timeout=float(config.get("webhooks", "timeout_seconds")),
        retries=tuple(config.get("webhooks", "retry_schedule")),
    )
    deliverer = Deliverer(daemon.store, schedule)
    daemon.bus.listen(deliverer.notice)
    return asyncio.create_task(deliverer.run(), name="sparkq-webhooks")
