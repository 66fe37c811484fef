"""Run one provider call the way ``Execution`` runs a process: within the task's timeout,
stoppable from elsewhere, the reply's text captured as the task's stdout as it streams in.
A 429 that says when to come back is waited out and tried again, while the timeout allows."""

from __future__ import annotations

import asyncio
import contextlib
import time

from sparkq_tui.runner.capture import TailBuffer
from sparkq_tui.runner.execute import Outcome
from sparkq_tui.runner.llm_providers import ProviderError, call_provider
from sparkq_tui.runner.llm_request import LlmRequest
from sparkq_tui.runner.tools import TaskSetupError

MAX_RATE_LIMIT_WAITS = 5


class LlmExecution:
    """One provider call under watch; ``run()`` returns the ``Outcome``."""

    def __init__(self, request: LlmRequest, *, timeout: float | None, max_output: int) -> None:
        self.request = request
        self.timeout = timeout if timeout and timeout > 0 else None
        self.stdout = TailBuffer(max_output)
        self.stderr = TailBuffer(max_output)
        self._stop_requested = asyncio.Event()
        self._stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        """Ask the call to end now; ``run()`` reports ``reason``."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self._stop_requested.set()

    def _note(self, text: str) -> None:
        self.stderr.write(f"[sparkq] {text}\n".encode())

    def _on_text(self, text: str) -> None:
        self.stdout.write(text.encode("utf-8"))

    async def run(self) -> Outcome:
        """Call the provider (again after a 429's wait) until it answers, fails, times out
        or is stopped."""
        started = time.monotonic()
        deadline = started + self.timeout if self.timeout else None
        result = failure = None
        timed_out = False
        for attempt in range(MAX_RATE_LIMIT_WAITS + 1):
            left = deadline - time.monotonic() if deadline else None
            ended, value = await self._within(call_provider(self.request, self._on_text), left)
            if ended == "done":
                result = value.as_result()
                break
            if ended != "error":
                timed_out = ended == "timeout"
                break
            if isinstance(value, TaskSetupError):
                failure = str(value)
                break
            wait = self._rate_limit_wait(value, deadline, attempt)
            if wait is None:
                failure = value.describe()
                break
            self._note(f"{value.message}: waiting {wait:g} s as the provider asked")
            ended, _ = await self._within(asyncio.sleep(wait), None)
            if ended != "done":
                break
        stopped = self._stop_reason if not timed_out else None
        return Outcome(
            exit_code=0 if result is not None else None,
            signal=None,
            timed_out=timed_out,
            stop_reason=stopped,
            stdout=self.stdout.text(),
            stderr=self.stderr.text(),
            duration_s=round(time.monotonic() - started, 3),
            result=result,
            failure=failure,
        )

    def _rate_limit_wait(
        self, error: ProviderError, deadline: float | None, attempt: int
    ) -> float | None:
        """How long to wait before trying again, or None when the error ends the run."""
        if error.status != 429 or error.retry_after is None:
            return None
        if attempt >= MAX_RATE_LIMIT_WAITS:
            error.message += f" (still refused after {MAX_RATE_LIMIT_WAITS} waits)"
            return None
        if deadline is not None and time.monotonic() + error.retry_after >= deadline:
            left = max(0.0, deadline - time.monotonic())
            error.message += (
                f" (it asked to wait {error.retry_after:g} s; the task has {left:.3g} s left)"
            )
            return None
        return error.retry_after

    async def _within(self, work, limit: float | None) -> tuple[str, object]:
        """Run ``work`` until it ends, ``limit`` seconds pass or a stop comes:
        ``("done", value)``, ``("error", exception)``, ``("timeout", None)``, ``("stop", None)``."""
        job = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self._stop_requested.wait())
        try:
            done, _ = await asyncio.wait(
                {job, stop}, timeout=limit, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stop.cancel()
        if job in done:
            exc = job.exception()
            if exc is None:
                return "done", job.result()
            if isinstance(exc, ProviderError | TaskSetupError):
                return "error", exc
            raise exc
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await job
        return ("stop" if stop in done or self._stop_requested.is_set() else "timeout"), None
