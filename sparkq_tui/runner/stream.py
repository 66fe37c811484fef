"""``sparkq runner --stream``: print each claimed task (queue instructions and prompt) for a
person or an agent to do, and let them finish it with ``sparkq complete`` / ``sparkq fail``.
Without --once the next task is claimed only once the printed one has been finished."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from typing import Any, TextIO

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import DaemonUnavailable, NotFoundError
from sparkq_tui.runner.adopt import adopt_left_over
from sparkq_tui.runner.claim import Claimer
from sparkq_tui.runner.events import EventHub
from sparkq_tui.runner.holding import holder_of
from sparkq_tui.runner.options import RunnerOptions
from sparkq_tui.runner.outbox import open_outbox
from sparkq_tui.runner.task_context import instructions_for
from sparkq_tui.runner.tools import BUILTIN_TOOLS, TaskSetupError, build_prompt

log = logging.getLogger("sparkq.runner")

FINISHED_EVENTS = frozenset({"task.completed", "task.failed", "task.requeued", "task.deleted"})
RECHECK_EVENTS = frozenset({"connection.restored", "events.overflow"})
RETRY_SECONDS = 1.0


class Streamer:
    """Claims one task at a time and writes it to ``out``."""

    def __init__(self, client: AsyncClient, options: RunnerOptions, out: TextIO | None = None):
        self.client = client
        self.options = options
        self.out = out or sys.stdout
        self.stopping = asyncio.Event()
        self.outbox = open_outbox(client, options.outbox_dir, options.worker)
        self.claimer = Claimer(client, options, self.outbox, self.stopping)

    async def run(self) -> int:
        """Stream tasks until stopped (or one, with --once); the exit code."""
        self.outbox.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        await self.outbox.replay_first(self.stopping)
        await adopt_left_over(
            self.client, self.options.outbox_dir, self.outbox.own_path, self.stopping
        )
        if not self.options.once and self.claimer.hub is None:
            self.claimer.hub = EventHub(self.client)
            await self.claimer.hub.start()
        wait = 0 if self.options.drain else self.options.claim_wait
        try:
            while not self.stopping.is_set():
                try:
                    task = await self.claimer.next_task(wait)
                except DaemonUnavailable as exc:
                    log.warning("%s; retrying", exc.message)
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                if task is None:
                    if self.options.once or self.options.drain:
                        break
                    continue
                await self._hand_out(task)
                if self.options.once:
                    break
        finally:
            await self.claimer.settle(self.options.claim_wait + 5)
            await self.claimer.close()
            await self.outbox.close(10.0)
        return 0

    async def _hand_out(self, task: dict[str, Any]) -> None:
        hub = self.claimer.hub
        if hub is None:  # --once: print and leave the task to whoever reads it
            await self._print(task)
            return
        with hub.listen() as events:
            await self._print(task)
            finished = await self._wait_until_finished(task, events)
        if not finished:
            self.outbox.send(
                "task.requeue",
                {"id": task["id"], "worker": self.options.worker},
                holder_of(task, self.options.worker),
            )
            log.info("requeued %s: the runner is stopping", task.get("friendly_id"))

    async def _print(self, task: dict[str, Any]) -> None:
        instructions = await self._instructions(task)
        payload = task.get("payload")
        prompt = None
        if task["tool"] not in BUILTIN_TOOLS:
            try:
                prompt = build_prompt(None, payload)
            except TaskSetupError:
                prompt = None
        if self.options.json:
            record = {"task": task, "instructions": instructions, "prompt": prompt}
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            self.out.write(format_task(task, instructions, prompt))
        self.out.flush()

    async def _instructions(self, task: dict[str, Any]) -> str:
        try:  # the role's prompt, then the queue's instructions
            return await instructions_for(self.client, task) or ""
        except (NotFoundError, DaemonUnavailable):
            return ""

    async def _wait_until_finished(
        self, task: dict[str, Any], events: asyncio.Queue[dict[str, Any]]
    ) -> bool:
        """True once the task has left ``running``; False when the runner is stopping."""
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            while True:
                get = asyncio.ensure_future(events.get())
                done, _ = await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
                if get not in done:
                    get.cancel()
                    return False
                event = get.result()
                if event.get("type") in FINISHED_EVENTS and event.get("id") == task["id"]:
                    return True
                if event.get("type") in RECHECK_EVENTS and not await self._still_ours(task):
                    return True
        finally:
            stop.cancel()

    async def _still_ours(self, task: dict[str, Any]) -> bool:
        try:
            current = await self.client.call("task.get", id=task["id"])
        except NotFoundError:
            return False
        except DaemonUnavailable:
            return True
        return current.get("status") == "running" and current.get("worker") == task.get("worker")


def format_task(task: dict[str, Any], instructions: str, prompt: str | None) -> str:
    """The text block printed for one task."""
    label = task.get("friendly_id") or task["id"]
    lines = [
        f"=== {label} ({task['id']}) · queue {task.get('queue_name')} · tool {task['tool']}"
        f" · timeout {task.get('timeout')} s ===",
    ]
    if instructions.strip():
        lines += ["--- instructions ---", instructions.rstrip()]
    if prompt is not None:
        lines += ["--- prompt ---", prompt.rstrip()]
    else:
        lines += ["--- payload ---", json.dumps(task.get("payload"), indent=2, ensure_ascii=False)]
    lines += [
        "--- when done ---",
        f'sparkq complete {label} --result \'{{"answer": "..."}}\'',
        f"sparkq fail {label} 'what went wrong'",
        "",
        "",
    ]
    return "\n".join(lines)
