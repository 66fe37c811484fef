"""python-call tasks in the runner: a pool of worker processes (``sparkq_tui.pytasks.worker``),
one per slot at most, each running one call at a time.

Why a pool and not a process per task: starting Python costs ~20 ms of CPU before the first
line of user code, about ten times a no-op call through the daemon; a kept process costs a
pipe round trip. Timeouts still hold: a call that overruns (or is cancelled, or given back)
has its process killed with its whole group, and the next call starts a fresh one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from typing import Any

import orjson

from sparkq_tui.pytasks.pickled import MEMBERS
from sparkq_tui.runner.execute import Outcome

PYTHON_CALL_TOOL = "python-call"
REPLY_LIMIT = 64 * 1024 * 1024


class PyCallWorker:
    """One worker process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def call(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """Send one call and read its reply; None when the process died first."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(orjson.dumps(request) + b"\n")
            await self.proc.stdin.drain()
            line = await self.proc.stdout.readline()
        except (BrokenPipeError, ConnectionResetError, ValueError):
            return None
        return orjson.loads(line) if line else None

    def kill(self) -> None:
        """Kill the process and whatever it started (its own group)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def exit_code(self) -> int | None:
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self.proc.wait(), 1.0)
        return None


class PyCallPool:
    """Idle worker processes, started on demand with the runner's import paths."""

    def __init__(
        self, import_paths: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> None:
        self.import_paths = import_paths
        self.env = env  # the workers' environment (None: the runner's)
        self._idle: list[PyCallWorker] = []
        self._all: set[PyCallWorker] = set()

    async def acquire(self) -> PyCallWorker:
        while self._idle:
            worker = self._idle.pop()
            if worker.alive:
                return worker
            self._all.discard(worker)
        argv = [sys.executable, "-m", "sparkq_tui.pytasks.worker"]
        for path in self.import_paths:
            argv += ["--import-path", path]
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=REPLY_LIMIT,
            env=self.env,
            start_new_session=True,  # its own group: a kill reaches what the call started
        )
        worker = PyCallWorker(proc)
        self._all.add(worker)
        return worker

    def release(self, worker: PyCallWorker) -> None:
        if worker.alive:
            self._idle.append(worker)
        else:
            self._all.discard(worker)

    async def discard(self, worker: PyCallWorker) -> int | None:
        """Kill ``worker``; its exit code."""
        worker.kill()
        self._all.discard(worker)
        return await worker.exit_code()

    async def close(self) -> None:
        """Stop every worker process."""
        for worker in list(self._all):
            if worker.proc.stdin is not None:
                worker.proc.stdin.close()
            worker.kill()
            await worker.exit_code()
        self._all.clear()
        self._idle.clear()


class PyCallExecution:
    """One python-call task on a pool worker, with ``Execution``'s ``run()`` / ``stop()``."""

    def __init__(self, pool: PyCallPool, task: dict[str, Any], *, pickles: bool = False) -> None:
        self.pool = pool
        self.task = task
        self.pickles = pickles  # the task's tool has `pickle: true`: it may carry a pickled call
        timeout = task.get("timeout")
        self.timeout = timeout if timeout and timeout > 0 else None
        self._stop_requested = asyncio.Event()
        self._stop_reason: str | None = None

    def stop(self, reason: str, grace: float | None = None) -> None:
        """End the call now: its process is killed (a Python call cannot be interrupted
        cleanly from outside, so ``grace`` does not apply)."""
        self._stop_reason = self._stop_reason or reason
        self._stop_requested.set()

    async def run(self) -> Outcome:
        started = time.monotonic()
        try:
            request = self._request(self.task.get("payload"))
        except ValueError as exc:
            return _failed(started, str(exc), retry=False)
        request["env"] = {
            "SPARKQ_TASK_ID": str(self.task.get("id", "")),
            "SPARKQ_TASK_FRIENDLY_ID": str(self.task.get("friendly_id", "")),
            "SPARKQ_QUEUE": str(self.task.get("queue_name", "")),
        }
        worker = await self.pool.acquire()
        call = asyncio.ensure_future(worker.call(request))
        stop = asyncio.ensure_future(self._stop_requested.wait())
        try:
            done, _ = await asyncio.wait(
                {call, stop}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stop.cancel()
        if call not in done:  # timed out or stopped: the process goes, with the call
            call.cancel()
            await self.pool.discard(worker)
            timed_out = stop not in done
            return Outcome(
                exit_code=None,
                signal=signal.SIGKILL,
                timed_out=timed_out,
                stop_reason=None if timed_out else self._stop_reason,
                stdout="",
                stderr="",
                duration_s=round(time.monotonic() - started, 3),
            )
        reply = call.result()
        if reply is None:
            code = await self.pool.discard(worker)
            return _failed(started, f"the python-call worker process exited (code {code})")
        self.pool.release(worker)
        return _outcome(reply, started)

    def _request(self, payload: Any) -> dict[str, Any]:
        """The worker's request for ``payload``; ValueError when it cannot be one. A pickled
        call goes on only from a tool with ``pickle: true`` (the worker checks its signature
        before it unpickles)."""
        if isinstance(payload, dict) and "pickle" in payload:
            if not self.pickles:
                raise ValueError(
                    f"tool {self.task.get('tool')} does not take pickled calls (only a tool "
                    "with `pickle: true` does); the payload was not unpickled"
                )
            return {"pickle": {key: payload.get(key) for key in MEMBERS}}
        if not isinstance(payload, dict) or not isinstance(payload.get("function"), str):
            raise ValueError("a python-call task needs a payload with a `function`")
        return {
            "function": payload["function"],
            "args": payload.get("args") or [],
            "kwargs": payload.get("kwargs") or {},
        }


def _failed(started: float, error: str, retry: bool = True) -> Outcome:
    return Outcome(
        exit_code=None,
        signal=None,
        timed_out=False,
        stop_reason=None,
        stdout="",
        stderr="",
        duration_s=round(time.monotonic() - started, 3),
        failure=error,
        retry=retry,
    )


def _outcome(reply: dict[str, Any], started: float) -> Outcome:
    """The Outcome of a worker's reply: the return value, or the error with its traceback
    (``error`` is ``"Type: message"``, then a blank line and the traceback)."""
    outcome = _failed(started, "")
    outcome.stdout, outcome.stderr = reply.get("stdout", ""), reply.get("stderr", "")
    if reply.get("ok"):
        outcome.exit_code, outcome.failure = 0, None
        outcome.value, outcome.has_value = reply.get("value"), True
        return outcome
    trace = reply.get("traceback") or ""
    outcome.failure = f"{reply['error']}\n\n{trace}".rstrip() if trace else reply["error"]
    outcome.retry = reply.get("kind") not in ("import", "result", "signature")
    return outcome
