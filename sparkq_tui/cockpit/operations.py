"""What the cockpit's actions do (the table of keys is ``actions.py``): tasks, queues,
sessions and quick-add.

A mixin of the App; it names what it needs from its host below, so it imports nothing of the
App. Every action that asks a question or talks to the daemon runs in a Textual worker, so the
UI never waits on the socket."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work
from textual.app import App

from sparkq_tui.cockpit.quick_add import QuickAddError, parse_quick_add
from sparkq_tui.cockpit.screens.confirm_dialog import ConfirmDialog
from sparkq_tui.cockpit.screens.failed_screen import FailedScreen
from sparkq_tui.cockpit.screens.main_screen import MainScreen
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.screens.text_prompt_dialog import TextPromptDialog
from sparkq_tui.cockpit.widgets.queue_list import QueueList
from sparkq_tui.cockpit.widgets.quick_add_bar import QuickAddBar
from sparkq_tui.cockpit.widgets.session_list import SessionList
from sparkq_tui.cockpit.widgets.task_table import TaskTable
from sparkq_tui.errors import NotFoundError, SparkQError

Task = dict[str, Any]
COCKPIT_WORKER = "cockpit"


def parse_result(text: str) -> Any:
    """A result typed by the user: JSON when it parses as JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


class CockpitOperations(App[int]):
    """The ``action_…`` methods the action table names, and their workers."""

    # What the host App provides.
    client: Any
    clock: Callable[[], datetime]
    main: MainScreen
    queue_list: QueueList
    session_list: SessionList
    task_table: TaskTable
    quick_add_bar: QuickAddBar
    queues: list[dict[str, Any]]
    prompts: dict[str, str]

    def refresh_soon(self) -> None:
        raise NotImplementedError

    def refresh_detail(self) -> None:
        raise NotImplementedError

    # ----- helpers ----------------------------------------------------------------------------

    async def rpc(self, method: str, **params: Any) -> Any | None:
        """Call the daemon; on an error show its message in a toast and return None."""
        try:
            return await self.client.call(method, params)
        except SparkQError as exc:
            self.notify(exc.message, title=method, severity="error", timeout=6)
            return None

    def current_task(self) -> Task | None:
        """The task an action applies to: the open detail's, else the table's cursor row."""
        if isinstance(self.screen, TaskDetailScreen):
            return self.screen.task_data
        if isinstance(self.screen, FailedScreen):
            return self.screen.current_task
        return self.task_table.current_task

    def _task_or_warn(self) -> Task | None:
        task = self.current_task()
        if task is None:
            self.notify("No task selected.", severity="warning", timeout=3)
        return task

    def _label(self, task: Task) -> str:
        return task.get("friendly_id") or task["id"]

    def _done(self, message: str) -> None:
        self.notify(message, timeout=2)
        self.refresh_soon()

    # ----- tasks ------------------------------------------------------------------------------

    def action_claim_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._simple_task_call("task.claim", task, "claimed", worker=COCKPIT_WORKER)

    def action_requeue_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._simple_task_call("task.requeue", task, "requeued")

    def action_rerun_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._simple_task_call("task.rerun", task, "rerun as a new task")

    @work(group="actions")
    async def _simple_task_call(self, method: str, task: Task, verb: str, **params: Any) -> None:
        if await self.rpc(method, id=task["id"], **params) is not None:
            self._done(f"{self._label(task)} {verb}")

    def action_complete_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._complete_task(task)

    @work(group="actions")
    async def _complete_task(self, task: Task) -> None:
        text = await self.push_screen_wait(
            TextPromptDialog(
                f"Complete {self._label(task)}: its result (JSON or text, may be empty)",
                allow_empty=True,
            )
        )
        if text is None:
            return
        result = parse_result(text) if text.strip() else None
        if await self.rpc("task.complete", id=task["id"], result=result) is not None:
            self._done(f"{self._label(task)} completed")

    def action_fail_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._fail_task(task)

    @work(group="actions")
    async def _fail_task(self, task: Task) -> None:
        error = await self.push_screen_wait(
            TextPromptDialog(f"Fail {self._label(task)}: why?", placeholder="the error")
        )
        if error is None:
            return
        if await self.rpc("task.fail", id=task["id"], error=error) is not None:
            self._done(f"{self._label(task)} failed")

    def action_cancel_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._cancel_task(task)

    @work(group="actions")
    async def _cancel_task(self, task: Task) -> None:
        label = self._label(task)
        question = f"Cancel task {label} ({task.get('status')})? A runner running it stops it."
        dialog = ConfirmDialog(question, confirm_label="Cancel task", deny_label="Keep")
        if not await self.push_screen_wait(dialog):
            return
        if await self.rpc("task.cancel", id=task["id"], message="cancelled in the cockpit"):
            self._done(f"{label} cancelled")

    def action_delete_task(self) -> None:
        task = self._task_or_warn()
        if task is not None:
            self._delete_task(task)

    @work(group="actions")
    async def _delete_task(self, task: Task) -> None:
        label = self._label(task)
        if not await self.push_screen_wait(ConfirmDialog(f"Delete task {label}?")):
            return
        if await self.rpc("task.delete", id=task["id"]) is not None:
            if isinstance(self.screen, TaskDetailScreen) and self.screen.task_id == task["id"]:
                self.pop_screen()
            self._done(f"{label} deleted")

    def action_open_task(self) -> None:
        task = self.current_task()
        if task is not None:
            self.open_task(task)

    def open_task(self, task: Task) -> None:
        if not isinstance(self.screen, TaskDetailScreen):
            screen = TaskDetailScreen(task, clock=self.clock)
            screen.name_of = self.task_table.friendly
            self.push_screen(screen)
            self.refresh_detail()

    # ----- queues -----------------------------------------------------------------------------

    def _queue_or_warn(self) -> dict[str, Any] | None:
        queue = self.queue_list.selected
        if queue is None:
            self.notify("No queue selected.", severity="warning", timeout=3)
        return queue

    def action_new_queue(self) -> None:
        session = self.session_list.selected
        if session is None:
            self.notify("Create a session first (n in Sessions).", severity="warning")
            return
        self._new_queue(session)

    @work(group="actions")
    async def _new_queue(self, session: dict[str, Any]) -> None:
        name = await self.push_screen_wait(
            TextPromptDialog(f"New queue in session {session['name']}", placeholder="name")
        )
        if name is None:
            return
        queue = await self.rpc("queue.create", name=name.strip(), session=session["id"])
        if queue is not None:
            self.main.pending_queue = queue["id"]
            self._done(f"Queue {queue['name']} created")

    def action_end_queue(self) -> None:
        queue = self._queue_or_warn()
        if queue is not None:
            self._end_queue(queue)

    @work(group="actions")
    async def _end_queue(self, queue: dict[str, Any]) -> None:
        question = f"End queue {queue['name']}? Ending cannot be undone."
        if await self.push_screen_wait(ConfirmDialog(question, confirm_label="End")):
            self._queue_call("queue.end", queue, "ended")

    def action_toggle_pause_queue(self) -> None:
        queue = self._queue_or_warn()
        if queue is not None:
            if queue.get("paused"):
                self._queue_call("queue.resume", queue, "resumed")
            else:
                self._queue_call("queue.pause", queue, "paused")

    def action_toggle_archive_queue(self) -> None:
        queue = self._queue_or_warn()
        if queue is not None:
            if queue.get("status") == "archived":
                self._queue_call("queue.unarchive", queue, "unarchived")
            else:
                self._queue_call("queue.archive", queue, "archived")

    @work(group="actions")
    async def _queue_call(self, method: str, queue: dict[str, Any], verb: str) -> None:
        if await self.rpc(method, queue=queue["id"]) is not None:
            self._done(f"Queue {queue['name']} {verb}")

    def action_delete_queue(self) -> None:
        queue = self._queue_or_warn()
        if queue is not None:
            self._delete_queue(queue)

    @work(group="actions")
    async def _delete_queue(self, queue: dict[str, Any]) -> None:
        question = f"Delete queue {queue['name']} and all its tasks?"
        if not await self.push_screen_wait(ConfirmDialog(question)):
            return
        if await self.rpc("queue.delete", queue=queue["id"]) is not None:
            self._done(f"Queue {queue['name']} deleted")

    # ----- sessions ---------------------------------------------------------------------------

    def _session_or_warn(self) -> dict[str, Any] | None:
        session = self.session_list.selected
        if session is None:
            self.notify("No session selected.", severity="warning", timeout=3)
        return session

    def action_new_session(self) -> None:
        self._new_session()

    @work(group="actions")
    async def _new_session(self) -> None:
        name = await self.push_screen_wait(TextPromptDialog("New session", placeholder="name"))
        if name is None:
            return
        session = await self.rpc("session.create", name=name.strip())
        if session is not None:
            self.main.pending_session = session["id"]
            self._done(f"Session {session['name']} created")

    def action_end_session(self) -> None:
        session = self._session_or_warn()
        if session is not None:
            self._end_session(session)

    @work(group="actions")
    async def _end_session(self, session: dict[str, Any]) -> None:
        open_queues = [
            q
            for q in self.queues
            if q.get("session_id") == session["id"] and q.get("status") != "ended"
        ]
        question = f"End session {session['name']}"
        if open_queues:
            count = len(open_queues)
            question += f" and its {count} open queue" + ("s" if count > 1 else "")
        question += "? Ending cannot be undone."
        if not await self.push_screen_wait(ConfirmDialog(question, confirm_label="End")):
            return
        if await self.rpc("session.end", session=session["id"]) is not None:
            self._done(f"Session {session['name']} ended")

    def action_delete_session(self) -> None:
        session = self._session_or_warn()
        if session is not None:
            self._delete_session(session)

    @work(group="actions")
    async def _delete_session(self, session: dict[str, Any]) -> None:
        question = f"Delete session {session['name']} with all its queues and tasks?"
        if not await self.push_screen_wait(ConfirmDialog(question)):
            return
        if await self.rpc("session.delete", session=session["id"]) is not None:
            self._done(f"Session {session['name']} deleted")

    # ----- quick-add --------------------------------------------------------------------------

    def back_to_main(self) -> None:
        """Close the screens over the panes (a task detail, the Failed view)."""
        while len(self.screen_stack) > 1 and self.screen is not self.main:
            self.pop_screen()

    def action_quick_add(self) -> None:
        self.back_to_main()
        self.quick_add_bar.open()

    def on_quick_add_bar_submitted(self, event: QuickAddBar.Submitted) -> None:
        self._quick_add(event.line, event.tool)

    @work(group="quick-add", exclusive=True)
    async def _quick_add(self, line: str, tool: str) -> None:
        queue = self.queue_list.selected
        if queue is None:
            self.notify("Select a queue first (or create one: n in Queues).", severity="error")
            return
        try:
            request = parse_quick_add(
                line, tool=tool, prompts=self.prompts, roles=self.roles, project=self.project
            )
        except QuickAddError as exc:
            self.notify(str(exc), title="quick-add", severity="error", timeout=6)
            return
        task = await self.rpc(
            "task.enqueue",
            queue=queue["id"],
            tool=request.tool,
            payload=request.payload,
            role=request.role,
            unique_key=request.unique_key,
        )
        if task is None:
            return  # the toast said why; the line stays in the input
        bar = self.quick_add_bar
        if bar.input.value == line:
            bar.input.value = ""
        if task.get("duplicate"):
            self.notify(
                f"not enqueued: {self._label(task)} holds key {request.unique_key}",
                title="duplicate",
                severity="warning",
                timeout=6,
            )
            return
        self._done(f"{self._label(task)} enqueued ({request.tool})")

    async def refresh_task(self, task_id: str) -> Task | None:
        """Re-read one task; None (and a toast) when it is gone."""
        try:
            return await self.client.call("task.get", {"id": task_id})
        except NotFoundError:
            self.notify(f"Task {task_id} no longer exists.", severity="warning", timeout=4)
            return None
        except SparkQError:
            return None
