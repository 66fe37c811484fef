"""Periodic jobs: the stale sweeper (warn at 1×, fail or retry at 2× the timeout; expire
tasks past ``expires_at``) and the purge.

Both are timers reading the live settings each round, so ``config.set`` takes effect at the
next tick; neither polls for work in between."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sparkq_daemon.context import Daemon
from sparkq_daemon.methods.system import purge
from sparkq_daemon.store.base import SweepOutcome

log = logging.getLogger("sparkq.sweeper")


async def sweep_once(daemon: Daemon) -> SweepOutcome:
    outcome = await daemon.store.sweep()
    for friendly in outcome.warned:
        log.warning("task %s is stale (no heartbeat for its timeout)", friendly)
    for friendly in outcome.failed:
        log.warning("task %s failed: exceeded twice its timeout", friendly)
    for friendly in outcome.retried:
        log.warning("task %s exceeded twice its timeout: scheduled for a retry", friendly)
    for friendly in outcome.expired:
        log.info("task %s expired before it was claimed", friendly)
    return outcome


async def _every(daemon: Daemon, namespace: str, key: str, job) -> None:
    while not daemon.stopping.is_set():
        interval = float(daemon.settings[namespace][key])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(daemon.stopping.wait(), timeout=interval)
            return
        if not daemon.store.leads():
            continue  # another daemon on the same database runs the periodic jobs now
        try:
            await job(daemon)
        except Exception:
            log.exception("%s failed", job.__name__)


async def purge_once(daemon: Daemon) -> int:
    days = float(daemon.settings["purge"]["older_than_days"])
    deleted = await purge(daemon, days)
    if deleted:
        log.info("purged %d finished tasks", deleted)
    logged = await daemon.store.webhook_purge(days * 86400)
    if logged:
        log.info("purged %d finished webhook deliveries", logged)
    return deleted


def start(daemon: Daemon) -> list[asyncio.Task[None]]:
    """Start the sweeper and purge timers."""
    return [
        asyncio.create_task(
            _every(daemon, "queue_runner", "auto_fail_interval_seconds", sweep_once)
        ),
        asyncio.create_task(_every(daemon, "purge", "interval_seconds", purge_once)),
    ]
