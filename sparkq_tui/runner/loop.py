"""The runner's main loop: ``concurrency`` slots each claim a task, run it, report it; a
stop signal ends claiming, gives running tasks a grace period, then requeues the rest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
from pathlib import Path
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import ConflictError, DaemonUnavailable, NotFoundError, SparkQError
from sparkq_tui.runner.adopt import adopt_left_over
from sparkq_tui.runner.cancels import stop_cancelled
from sparkq_tui.runner.claim import Claimer
from sparkq_tui.runner.events import CONNECTION_AND_CANCELS, EventHub
from sparkq_tui.runner.execute import Execution, Outcome
from sparkq_tui.runner.holding import fenced, holder_of
from sparkq_tui.runner.live_output import LiveOutput, Send
from sparkq_tui.runner.llm_execute import LlmExecution
from sparkq_tui.runner.llm_request import LlmRequest, build_llm_request
from sparkq_tui.runner.options import RunnerOptions
from sparkq_tui.runner.outbox import Report, open_outbox
from sparkq_tui.runner.pycall import PYTHON_CALL_TOOL, PyCallExecution, PyCallPool
from sparkq_tui.runner.recheck import recheck_on_reconnect
from sparkq_tui.runner.running import RunningTask
from sparkq_tui.runner.task_context import ProjectFolder, instructions_for
from sparkq_tui.runner.tools import BUILTIN_TOOLS, Command, TaskSetupError, build_command

log = logging.getLogger("sparkq.runner")

RETRY_MIN_SECONDS = 0.2
RETRY_MAX_SECONDS = 5.0
IDLE_HEARTBEAT_SECONDS = 30.0
MIN_HEARTBEAT_SECONDS = 0.1
OUTBOX_CLOSE_SECONDS = 10.0


class Runner:
    """Claims and runs tasks until stopped (or, with --once / --drain, until done)."""

    def __init__(self, client: AsyncClient, options: RunnerOptions) -> None:
        self.client = client
        self.options = options
        self.stopping = asyncio.Event()
        self.hurry = asyncio.Event()  # a second signal: stop waiting for the daemon
        self.outbox = open_outbox(client, options.outbox_dir, options.worker)
        self.claimer = Claimer(client, options, self.outbox, self.stopping)
        self.running: dict[str, RunningTask] = {}
        self.failed = 0
        self.succeeded = 0
        self._signals = 0
        self.claim_error = False
        self.claimed_with_report = 0  # tasks that came back in a report's reply (claim_next)
        # The calls reach the same daemon (SPARKQ_URL …), as scripts do.
        pool_env = {**os.environ, **client.endpoint.environment()}
        self.pycalls = PyCallPool(options.import_paths, pool_env)
        self.project_folder = ProjectFolder(client)

    async def run(self) -> int:
        """Run until stopped; the exit code (1 when --once / --drain saw a failure)."""
        self.outbox.start()
        self._install_signal_handlers()
        log.info(
            "runner %s: queues %s, concurrency %d",
            self.options.worker,
            ", ".join(self.options.queues) or "(any)",
            self.options.concurrency,
        )
        await self.outbox.replay_first(self.stopping)
        await adopt_left_over(
            self.client, self.options.outbox_dir, self.outbox.own_path, self.stopping
        )
        hub = self.claimer.hub or EventHub(self.client, CONNECTION_AND_CANCELS)
        await self._subscribe(hub)
        watch = asyncio.create_task(
            recheck_on_reconnect(self.client, hub, lambda: list(self.running.values()))
        )
        cancels = asyncio.create_task(
            stop_cancelled(hub, lambda: self.running, self.options.worker)
        )
        slots = asyncio.gather(*(self._slot() for _ in range(self.options.concurrency)))
        stop = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({slots, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not slots.done():
            if self.running:
                log.info(
                    "stopping: %d running task(s) may finish within %g s",
                    len(self.running),
                    self.options.grace,
                )
            await asyncio.wait({slots}, timeout=self.options.grace)
            for running in list(self.running.values()):
                running.give_back("the runner is stopping")
            await slots
        stop.cancel()
        for watcher in (watch, cancels):
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        await self.pycalls.close()
        await self.claimer.settle(self.options.claim_wait + 5)
        await self.claimer.close()
        await hub.close()
        if len(self.outbox):
            log.info(
                "waiting up to %g s to deliver %d report(s) (a second signal stops now)",
                OUTBOX_CLOSE_SECONDS,
                len(self.outbox),
            )
        unsent = await self.outbox.close(OUTBOX_CLOSE_SECONDS, self.hurry)
        for method, params in unsent:
            log.error("could not deliver %s for %s: the daemon is away", method, params["id"])
        if unsent and self.outbox.journal is not None:
            log.error(
                "%d report(s) kept in %s: the next runner started with --worker %s, or with "
                "this outbox folder, delivers them",
                len(unsent),
                self.outbox.journal.path,
                self.options.worker,
            )
        log.info(
            "runner %s done: %d succeeded, %d failed (%d claimed with a report)",
            self.options.worker,
            self.succeeded,
            self.failed,
            self.claimed_with_report,
        )
        if self.claim_error or ((self.options.once or self.options.drain) and self.failed):
            return 1
        return 0

    async def _subscribe(self, hub: EventHub) -> None:
        """Start ``hub`` (it tells of reconnections), retrying while the daemon is away."""
        while not self.stopping.is_set():
            try:
                await hub.start()
                return
            except DaemonUnavailable as exc:
                log.warning("%s; retrying", exc.message)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), RETRY_MIN_SECONDS * 5)

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: int) -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("%s: no new claims", signal.Signals(sig).name)
            self.stopping.set()
        else:
            log.info("%s again: requeueing running tasks now", signal.Signals(sig).name)
            self.hurry.set()
            for running in list(self.running.values()):
                running.give_back("the runner was stopped")

    async def _slot(self) -> None:
        delay = RETRY_MIN_SECONDS
        wait = 0 if self.options.drain else self.options.claim_wait
        following: dict[str, Any] | None = None  # claimed with the last report
        while not self.stopping.is_set():
            if following is not None:
                self.claimed_with_report += 1
                task, following = following, None
                following = await self._handle(task)
                continue
            try:
                task = await self.claimer.next_task(wait)
            except DaemonUnavailable as exc:
                log.warning("%s; retrying in %g s", exc.message, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            except SparkQError as exc:  # the queue was deleted, a flag the daemon refuses, …
                log.error("cannot claim: %s; stopping", exc.message)
                self.claim_error = True
                self.stopping.set()
                return
            delay = RETRY_MIN_SECONDS
            if task is not None:
                following = await self._handle(task)
            if self.options.once or (self.options.drain and task is None):
                return
        if following is not None:
            self._give_back_unstarted(following)

    def _give_back_late(self, report: Report) -> None:
        if report.next_task is not None:
            self._give_back_unstarted(report.next_task)

    def _give_back_unstarted(self, task: dict[str, Any]) -> None:
        """A task that came with a report after the runner began to stop: requeue it."""
        log.info("requeueing %s: claimed while stopping", task.get("friendly_id"))
        self.outbox.send(
            "task.requeue",
            fenced({"id": task["id"], "worker": self.options.worker}, task),
            holder_of(task, self.options.worker),
        )

    async def _handle(self, task: dict[str, Any]) -> dict[str, Any] | None:
        """Run ``task`` and report it; the next task, when the report brought one."""
        running = RunningTask(task, self.options.worker)
        self.running[task["id"]] = running
        log.info("claimed %s (%s)", running.label, task.get("tool"))
        report: Report | None = None
        try:
            report = await self._execute_and_report(running)
        except Exception as exc:  # a runner bug must not take the other slots down
            log.exception("runner error on %s", running.label)
            report = self._report_failure(running, f"runner error: {exc}", "", "")
        finally:
            if self.running.get(task["id"]) is running:
                del self.running[task["id"]]
        if report is None:
            return None
        if not await self._acknowledged(report):
            # Stopping before the answer came: a task it brings later goes straight back.
            report.done.add_done_callback(lambda _: self._give_back_late(report))
            return None
        if report.next_task is not None and self.stopping.is_set():
            self._give_back_unstarted(report.next_task)
            return None
        return report.next_task

    async def _acknowledged(self, report: Report) -> bool:
        """Wait until the daemon has answered ``report`` (False when the runner stops
        first): the slot takes no new task before, so the daemon never sees more running
        than ``concurrency``."""
        if report.done is None or report.done.done():
            return True
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({report.done, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        return report.done.done()

    async def _execute_and_report(self, running: RunningTask) -> Report | None:
        """Run the task; its report (None when there is none to send)."""
        task = running.task
        if self.options.tools is not None and task["tool"] not in self.options.tools:
            log.warning("requeued %s: tool %s is not in --tools", running.label, task["tool"])
            return self.outbox.send("task.requeue", self._params(running), running.holder)
        if task["tool"] == PYTHON_CALL_TOOL:
            running.execution = PyCallExecution(self.pycalls, task)
            return self._report(running, await self._run(running))
        tool = await self._tool_of(task)
        if tool is not None and tool.get("pickle"):
            running.execution = PyCallExecution(self.pycalls, task, pickles=True)
            return self._report(running, await self._run(running))
        with tempfile.TemporaryDirectory(prefix="sparkq-task-") as workdir:
            try:
                command = await self._command_for(task, Path(workdir), tool)
            except TaskSetupError as exc:
                return self._report_failure(running, str(exc), "", "")
            live: LiveOutput | None = None
            if isinstance(command, LlmRequest):
                running.execution = LlmExecution(
                    command, timeout=task.get("timeout"), max_output=self.options.max_output
                )
            else:
                live = LiveOutput(self._live_sender(running))
                running.execution = Execution(
                    command,
                    timeout=task.get("timeout"),
                    kill_grace=self.options.kill_grace,
                    max_output=self.options.max_output,
                    on_output=live.feed,
                )
                live.start()
            try:
                outcome = await self._run(running)
            except OSError as exc:
                error = f"could not start {getattr(command, 'argv', ['?'])[0]}: {exc}"
                return self._report_failure(running, error, "", "")
            finally:
                if live is not None:
                    await live.close()  # the last lines land before the report
        return self._report(running, outcome)

    async def _run(self, running: RunningTask) -> Outcome:
        """Run ``running.execution`` with heartbeats (stopped at once if it was given back
        or taken away meanwhile)."""
        assert running.execution is not None
        if running.requeue_reason:
            running.execution.stop(running.requeue_reason)
        elif running.lost_reason:
            running.execution.stop(f"the task was taken away: {running.lost_reason}")
        beat = asyncio.create_task(self._heartbeats(running))
        try:
            return await running.execution.run()
        finally:
            beat.cancel()

    async def _tool_of(self, task: dict[str, Any]) -> dict[str, Any] | None:
        """The daemon's tool of ``task`` (None for the built-in script tools)."""
        if task["tool"] in BUILTIN_TOOLS:
            return None
        tools = (await self.client.call("tool.list"))["tools"]
        return next((t for t in tools if t.get("name") == task["tool"]), None)

    async def _command_for(
        self, task: dict[str, Any], workdir: Path, tool: dict[str, Any] | None
    ) -> Command | LlmRequest:
        """The process to start, or for a tool with a ``provider`` the request to send."""
        instructions = None
        if task["tool"] not in BUILTIN_TOOLS:
            instructions = await instructions_for(self.client, task)
        env = dict(os.environ)
        env.update(self.client.endpoint.environment())  # the task reaches the same daemon
        if tool is not None and tool.get("provider"):
            return build_llm_request(task, tool, instructions, env)
        command = build_command(task, workdir, tool=tool, instructions=instructions, base_env=env)
        if command.cwd is None:
            command.cwd = await self.project_folder.get()
        return command

    def _live_sender(self, running: RunningTask) -> Send:
        """Sends ``running``'s live output (best effort: output the daemon misses while
        away is still in the final report)."""
        params = self._params(running)

        async def send(stream: str, text: str) -> None:
            try:
                await self.client.call("task.log", {**params, "stream": stream, "text": text})
            except (ConflictError, NotFoundError):
                pass  # the task was taken away: the heartbeat loop acts on it
            except DaemonUnavailable:
                pass
            except SparkQError as exc:
                log.warning("live output of %s refused: %s", running.label, exc.message)

        return send

    async def _heartbeats(self, running: RunningTask) -> None:
        timeout = running.task.get("timeout")
        interval = max(timeout / 3, MIN_HEARTBEAT_SECONDS) if timeout else IDLE_HEARTBEAT_SECONDS
        params = self._params(running)
        while True:
            await asyncio.sleep(interval)  # a timer, not a poll: it only sends
            try:
                await self.client.call("task.heartbeat", params)
            except DaemonUnavailable:
                continue
            except (ConflictError, NotFoundError) as exc:
                log.warning("%s was taken from this runner: %s", running.label, exc.message)
                running.take_away(exc.message)
                return

    def _report(self, running: RunningTask, outcome: Outcome) -> Report | None:
        if running.lost_reason:
            log.info("not reporting %s: %s", running.label, running.lost_reason)
            return None
        if running.requeue_reason:
            log.info("requeued %s: %s", running.label, running.requeue_reason)
            return self.outbox.send("task.requeue", self._params(running), running.holder)
        if outcome.succeeded:
            self.succeeded += 1
            result = outcome.result or {"exit_code": 0, "duration_s": outcome.duration_s}
            if outcome.has_value:
                result = outcome.value
            log.info("succeeded %s in %.2f s", running.label, outcome.duration_s)
            return self.outbox.send(
                "task.complete",
                {
                    **self._params(running),
                    "result": result,
                    "stdout": outcome.stdout,
                    "stderr": outcome.stderr,
                },
                running.holder,
                self._claim_next(),
            )
        error = outcome.error(running.task.get("timeout"))
        reason = "timeout" if outcome.timed_out else "error"
        return self._report_failure(
            running, error, outcome.stdout, outcome.stderr, reason, retry=outcome.retry
        )

    def _params(self, running: RunningTask) -> dict[str, Any]:
        """The members every report on ``running`` carries: the task, the worker, the
        attempt (the claim's fence)."""
        return fenced({"id": running.task["id"], "worker": self.options.worker}, running.task)

    def _claim_next(self) -> dict[str, Any] | None:
        """What a report asks the daemon to claim next, in the same call: nothing with
        --once, or while stopping."""
        if self.options.once or self.stopping.is_set():
            return None
        return self.claimer.claim_next_params()

    def _report_failure(
        self,
        running: RunningTask,
        error: str,
        stdout: str,
        stderr: str,
        reason: str = "error",
        retry: bool = True,
    ) -> Report | None:
        if running.lost_reason:
            log.info("not reporting %s: %s", running.label, running.lost_reason)
            return None
        self.failed += 1
        log.info("failed %s: %s", running.label, error)
        return self.outbox.send(
            "task.fail",
            {
                **self._params(running),
                "error": error,
                "reason": reason,
                "stdout": stdout,
                "stderr": stderr,
                **({} if retry else {"retry": False}),
            },
            running.holder,
            self._claim_next(),
        )
