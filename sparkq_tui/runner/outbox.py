"""Reports (complete, fail, requeue) that must reach the daemon even if it is away for a
while: each is tried at once, and kept in order and retried until the daemon is back. With a
journal (``OutboxFile``) each report is on disk before it is first tried, so a runner started
again with the same worker name delivers what an earlier run could not (and any runner using
the same folder does, once that run is gone: ``adopt``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import DaemonUnavailable, SparkQError
from sparkq_tui.runner.holding import look_up
from sparkq_tui.runner.outbox_file import OutboxFile, OutboxFileBusy

log = logging.getLogger("sparkq.runner")

RETRY_MIN_SECONDS = 0.2
RETRY_MAX_SECONDS = 2.0
SENT = "sent"
ALREADY_RECORDED = "already recorded"
DROPPED = "dropped"
OUTCOME_STATUS = {"task.complete": "succeeded", "task.fail": "failed"}


@dataclass
class Report:
    """One call for the daemon. ``holder`` (worker, claimed_at) names the claim the report
    belongs to; ``recheck`` says the task may have moved on since (a retry or a replay)."""

    method: str
    params: dict[str, Any]
    holder: dict[str, Any] | None = None
    seq: int | None = None
    recheck: bool = False
    owned: bool = False  # a delivery of it is under way
    done: asyncio.Future[str] | None = None
    # Sent along on the first try only (never journaled, never on a retry): the daemon then
    # claims the next task in the same commit, and ``next_task`` holds it.
    claim_next: dict[str, Any] | None = None
    next_task: dict[str, Any] | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Report:
        """A report read back from a journal: its task may have moved on since."""
        params = record.get("params")
        return cls(
            record["method"],
            params if isinstance(params, dict) else {},
            record.get("holder"),
            record["seq"],
            recheck=True,
        )


class Outbox:
    """Reports for the daemon, each delivered as soon as it is sent; while the daemon is away
    they are kept in order and retried, oldest first, until it is back."""

    def __init__(self, client: AsyncClient, journal: OutboxFile | None = None) -> None:
        self.client = client
        self.journal = journal
        self._pending: deque[Report] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._away = False  # the last delivery found the daemon away: the retry loop sends
        self._in_flight: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def own_path(self) -> Path | None:
        """The journal's file, when there is one."""
        return self.journal.path if self.journal is not None else None

    def replay(self) -> int:
        """Queue what the journal holds from an earlier run (before anything new); the count."""
        if self.journal is None:
            return 0
        self._pending.extend(Report.from_record(record) for record in self.journal.pending())
        if self._pending:
            self._idle.clear()
            self._wake.set()
        return len(self._pending)

    def start(self) -> None:
        self._task = asyncio.create_task(self._retry_loop())

    async def replay_first(self, stopping: asyncio.Event) -> None:
        """Deliver what an earlier run left in the journal (call after ``start``); returns
        once it is all delivered or refused, or when ``stopping`` is set."""
        count = self.replay()
        if not count:
            return
        assert self.journal is not None
        log.info("delivering %d report(s) left in %s by an earlier run", count, self.journal.path)
        idle = asyncio.ensure_future(self._idle.wait())
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({idle, stop}, return_when=asyncio.FIRST_COMPLETED)
        idle.cancel()
        stop.cancel()

    async def close(
        self, timeout: float, hurry: asyncio.Event | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """Wait up to ``timeout`` (or until ``hurry`` is set) for delivery; return the calls
        that could not be sent. With a journal they stay in it for the next run."""
        if self._pending and timeout > 0:
            waits = {asyncio.ensure_future(self._idle.wait())}
            if hurry is not None:
                waits.add(asyncio.ensure_future(hurry.wait()))
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waits:
                waiter.cancel()
        for task in [self._task, *self._in_flight]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.journal is not None:
            with contextlib.suppress(OSError):
                self.journal.close(remove=not self._pending)
        return [(report.method, report.params) for report in self._pending]

    def send(
        self,
        method: str,
        params: dict[str, Any],
        holder: dict[str, Any] | None = None,
        claim_next: dict[str, Any] | None = None,
    ) -> Report:
        """Queue ``method(params)`` for delivery. The report's ``done`` future resolves with
        the outcome (``SENT``, ``ALREADY_RECORDED`` or ``DROPPED``) once the daemon has
        answered; it stays pending while the daemon is away. With ``claim_next`` (complete
        and fail), a first try that gets through may bring the next task (``next_task``)."""
        # The daemon does not check who requeues a task: check the claim before sending.
        report = Report(method, params, holder, recheck=method == "task.requeue")
        report.claim_next = claim_next
        report.done = asyncio.get_running_loop().create_future()
        if self.journal is not None:
            try:
                report.seq = self.journal.append(method, params, holder)
            except (OSError, TypeError) as exc:
                log.error(
                    "could not write %s for %s to %s (%s): it is kept in memory only",
                    method,
                    params.get("id"),
                    self.journal.path,
                    exc,
                )
        self._pending.append(report)
        self._idle.clear()
        if self._away:
            # Kept until the daemon is back: on disk now, not only when it is first sent.
            task = asyncio.create_task(self._durable(report))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            self._wake.set()
        else:
            # Sent at once, beside other runners' slots' reports: one group commit takes them
            # all, instead of one round trip each in a line.
            report.owned = True
            task = asyncio.create_task(self._deliver_now(report))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return report

    async def _deliver_now(self, report: Report) -> None:
        await self._durable(report)
        try:
            outcome = await deliver(self.client, report)
        except DaemonUnavailable:
            report.recheck = True  # the daemon may have committed it, or moved on
            report.owned = False
            if not self._away:
                self._away = True
                log.warning(
                    "daemon unavailable: %d report(s) kept until it is back", len(self._pending)
                )
            self._wake.set()
            return
        self._finish(report, outcome)

    async def _durable(self, report: Report) -> None:
        """Wait until ``report`` is on disk (sent only then: a runner killed meanwhile leaves
        it for the next one)."""
        if self.journal is None or report.seq is None:
            return
        try:
            await self.journal.synced(report.seq)
        except OSError as exc:
            log.error("could not sync %s: %s", self.journal.path, exc)

    async def _retry_loop(self) -> None:
        """Deliver, oldest first, the reports nobody is sending (left by an earlier run, or
        kept while the daemon was away), backing off while the daemon stays away."""
        delay = RETRY_MIN_SECONDS
        while True:
            report = next((r for r in self._pending if not r.owned), None)
            if report is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            report.owned = True
            await self._durable(report)
            try:
                outcome = await deliver(self.client, report)
            except DaemonUnavailable:
                report.owned = False
                report.recheck = True
                self._away = True
                await asyncio.sleep(delay)  # back-off while the daemon is away
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            if outcome == SENT and (delay > RETRY_MIN_SECONDS or report.recheck):
                log.info("daemon is back: delivered %s for %s", report.method, _id(report))
            delay = RETRY_MIN_SECONDS
            self._finish(report, outcome)
            if not any(not r.owned for r in self._pending):
                self._away = False

    def _finish(self, report: Report, outcome: str) -> None:
        """``report`` got its answer: forget it, mark it in the journal, tell the sender."""
        with contextlib.suppress(ValueError):
            self._pending.remove(report)
        if self.journal is not None and report.seq is not None:
            try:
                if self._pending:
                    self.journal.ack(report.seq)
                else:
                    self.journal.clear()
            except OSError as exc:
                log.error("could not update %s: %s", self.journal.path, exc)
        if report.done is not None and not report.done.done():
            report.done.set_result(outcome)
        if not self._pending:
            self._idle.set()


def _id(report: Report) -> Any:
    return report.params.get("id")


async def deliver(client: AsyncClient, report: Report) -> str:
    """Send ``report`` once, first checking (when ``report.recheck``) that its task is still
    held by the claim it is about. ``SENT``; ``ALREADY_RECORDED`` (an earlier try got
    through); or ``DROPPED`` (refused, or the task moved on: logged, never applied to another
    claim). Raises ``DaemonUnavailable``: then nothing is known, try again later."""
    try:
        verdict = await _verdict(client, report) if report.recheck else None
        if verdict is None:
            if report.claim_next is None or report.recheck:
                await client.call(report.method, report.params)
                return SENT
            reply = await client.call(
                report.method, {**report.params, "claim_next": report.claim_next}
            )
            report.next_task = reply.get("next")
            if reply.get("next_error"):
                log.warning("no next task: %s", reply["next_error"].get("message"))
            return SENT
    except DaemonUnavailable:
        raise
    except SparkQError as exc:
        # The task moved on (requeued, deleted, failed by the sweeper): nothing to retry.
        log.warning("%s for %s not recorded: %s", report.method, _id(report), exc.message)
        return DROPPED
    if verdict == ALREADY_RECORDED:
        log.info("%s for %s was already recorded", report.method, _id(report))
        return ALREADY_RECORDED
    log.warning("%s for %s not recorded: %s", report.method, _id(report), verdict)
    return DROPPED


async def _verdict(client: AsyncClient, report: Report) -> str | None:
    """None when ``report`` should be sent: its task is still running under the claim it is
    about. Otherwise ``ALREADY_RECORDED`` (an earlier try got through) or what the task
    became."""
    if not report.holder or "id" not in report.params:
        return None
    state = await look_up(client, report.params["id"], report.holder)
    if state.held:
        return None
    if state.same_claim and state.status == OUTCOME_STATUS.get(report.method):
        return ALREADY_RECORDED
    return f"the task is {state.describe()} now"


def open_outbox(client: AsyncClient, directory: Path, worker: str) -> Outbox:
    """An outbox journaled in ``directory`` for ``worker``; in memory only (with a warning)
    when the file cannot be used."""
    journal = None
    try:
        journal = OutboxFile.open(directory, worker)
    except OutboxFileBusy as exc:
        log.warning(
            "another runner with worker name %r holds %s: reports are kept in memory only",
            worker,
            exc,
        )
    except OSError as exc:
        log.warning(
            "cannot use the outbox folder %s (%s): reports are kept in memory only",
            directory,
            exc,
        )
    return Outbox(client, journal)
