"""Run one command in its own process group, with a timeout that stops the whole group
(SIGTERM, then SIGKILL after a grace period) and capped capture of stdout and stderr."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sparkq_tui.runner.capture import TailBuffer, pump
from sparkq_tui.runner.tools import Command

PIPE_DRAIN_SECONDS = 2.0
READ_LIMIT = 64 * 1024


@dataclass
class Outcome:
    """How a run ended. ``exit_code`` is None when a signal ended the process. A run that is
    not a process (a provider call) sets ``result`` when it succeeded, ``failure`` when not."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    stop_reason: str | None
    stdout: str
    stderr: str
    duration_s: float
    result: dict[str, Any] | None = None
    failure: str | None = None
    retry: bool = True  # False: the failure would recur (an import error), do not retry
    value: Any = None  # a python-call's return value, the task's result as is
    has_value: bool = False

    @property
    def succeeded(self) -> bool:
        return (
            self.exit_code == 0
            and not self.timed_out
            and self.stop_reason is None
            and self.failure is None
        )

    def error(self, timeout: float | None) -> str:
        """One sentence saying why the run failed."""
        if self.timed_out:
            return f"timed out after {_seconds(timeout)} s"
        if self.stop_reason:
            return f"stopped: {self.stop_reason}"
        if self.failure is not None:
            return self.failure
        if self.signal is not None:
            return f"killed by signal {signal.Signals(self.signal).name}"
        return f"exit code {self.exit_code}"


def _tagged(
    on_output: Callable[[str, bytes], None] | None, stream: str
) -> Callable[[bytes], None] | None:
    if on_output is None:
        return None
    return lambda chunk: on_output(stream, chunk)


def _seconds(value: float | None) -> str:
    return f"{value:g}" if value is not None else "?"


class _ExitAwareProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Resolves ``exited`` when the process ends. ``Process.wait()`` also waits for its pipes
    to close, which a grandchild holding them would delay for ever."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=READ_LIMIT, loop=loop)
        self.exited: asyncio.Future[int] = loop.create_future()

    def process_exited(self) -> None:
        transport = self._transport  # the base class may drop it
        if not self.exited.done() and transport is not None:
            self.exited.set_result(transport.get_returncode())
        super().process_exited()


class Execution:
    """One process group under watch. ``run()`` returns the ``Outcome``; ``stop()`` may be
    called from elsewhere (shutdown, a task taken away) to end it early."""

    def __init__(
        self,
        command: Command,
        *,
        timeout: float | None,
        kill_grace: float,
        max_output: int,
        on_output: Callable[[str, bytes], None] | None = None,
    ) -> None:
        """``on_output(stream, chunk)`` sees the output as it comes (live output)."""
        self.command = command
        self.on_output = on_output
        self.timeout = timeout if timeout and timeout > 0 else None
        self.kill_grace = kill_grace
        self.stdout = TailBuffer(max_output)
        self.stderr = TailBuffer(max_output)
        self._stop_requested = asyncio.Event()
        self._stop_reason: str | None = None
        self._stop_grace: float | None = None
        self._proc: asyncio.subprocess.Process | None = None

    def stop(self, reason: str, grace: float | None = None) -> None:
        """Ask the run to end now (TERM, then KILL after ``grace`` s, at most the run's own
        ``kill_grace``); ``run()`` reports ``reason``."""
        if self._stop_reason is None:
            self._stop_reason = reason
        if grace is not None:
            self._stop_grace = min(grace, self._stop_grace or grace)
        self._stop_requested.set()

    async def run(self) -> Outcome:
        """Start the process and wait for it (or for the timeout, or a stop)."""
        started = time.monotonic()
        cmd = self.command
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.subprocess_exec(
            lambda: _ExitAwareProtocol(loop),
            *cmd.argv,
            stdin=asyncio.subprocess.PIPE if cmd.stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cmd.cwd,
            env=cmd.env,
            start_new_session=True,  # its own process group: a stop reaches every child
        )
        proc = asyncio.subprocess.Process(transport, protocol, loop)
        self._proc = proc
        live = self.on_output
        readers = [
            asyncio.create_task(pump(proc.stdout, self.stdout, _tagged(live, "stdout"))),
            asyncio.create_task(pump(proc.stderr, self.stderr, _tagged(live, "stderr"))),
        ]
        feeder = asyncio.create_task(self._feed_stdin(proc, cmd.stdin))
        timed_out = False
        exited = protocol.exited
        stop_waiter = asyncio.create_task(self._stop_requested.wait())
        try:
            done, _ = await asyncio.wait(
                {exited, stop_waiter}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if exited not in done:
                timed_out = stop_waiter not in done
                await self._terminate(proc, exited)
        finally:
            stop_waiter.cancel()
            if not exited.done():  # cancelled from outside: never leave the group behind
                self._signal_group(proc.pid, signal.SIGKILL)
                with contextlib.suppress(BaseException):
                    await asyncio.shield(exited)
            # Whatever the leader left running in its group is an orphan now.
            self._signal_group(proc.pid, signal.SIGKILL)
            await self._drain(readers)
            feeder.cancel()
            transport.close()
        returncode = exited.result()
        stopped = self._stop_reason if not timed_out else None
        return Outcome(
            exit_code=returncode if returncode >= 0 else None,
            signal=-returncode if returncode < 0 else None,
            timed_out=timed_out,
            stop_reason=stopped,
            stdout=self.stdout.text(),
            stderr=self.stderr.text(),
            duration_s=round(time.monotonic() - started, 3),
        )

    async def _terminate(self, proc: asyncio.subprocess.Process, exited: asyncio.Future) -> None:
        self._signal_group(proc.pid, signal.SIGTERM)
        grace = min(self.kill_grace, self._stop_grace or self.kill_grace)
        done, _ = await asyncio.wait({exited}, timeout=grace)
        if not done:
            self._signal_group(proc.pid, signal.SIGKILL)
            await exited

    @staticmethod
    def _signal_group(pgid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)

    @staticmethod
    async def _drain(readers: list[asyncio.Task]) -> None:
        # A child that left the group (setsid) may hold the pipes open: do not wait for ever.
        done, pending = await asyncio.wait(readers, timeout=PIPE_DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        for task in done:
            with contextlib.suppress(Exception):
                task.result()

    @staticmethod
    async def _feed_stdin(proc: asyncio.subprocess.Process, data: bytes | None) -> None:
        if data is None or proc.stdin is None:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(data)
            await proc.stdin.drain()
        proc.stdin.close()
