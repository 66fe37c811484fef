"""Watching work from the cockpit: the task detail follows a running task's live output
(``task.logs``, then each ``task.log`` event), and the Workers view (``W``) lists the
runners connected now. A mixin of the App, like ``operations.py``."""

from __future__ import annotations

from typing import Any

from textual import on, work

from sparkq_tui.cockpit.operations import CockpitOperations
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.screens.workers_screen import WorkersScreen
from sparkq_tui.errors import NotFoundError, SparkQError

LOG_PAGE = 1000


class WatchingOperations(CockpitOperations):
    """Live output in the task detail; the Workers view."""

    # ----- live output ------------------------------------------------------------------------

    @on(TaskDetailScreen.Opened)
    def _detail_opened(self, message: TaskDetailScreen.Opened) -> None:
        self._load_live_output(message.detail)

    def live_output_event(self, event: dict[str, Any]) -> None:
        """A ``task.log`` event: show its line in the open detail of that task (reading the
        lines in between first when some were missed)."""
        screen = self.screen
        if not isinstance(screen, TaskDetailScreen) or screen.task_id != event.get("id"):
            return
        line = event.get("line") or {}
        if line.get("seq") == screen.live_after + 1:
            screen.add_output([line])
        elif line.get("seq", 0) > screen.live_after:
            self._load_live_output(screen)

    @work(group="live-output", exclusive=True)
    async def _load_live_output(self, screen: TaskDetailScreen) -> None:
        """Read the detail's task output from where it is, page by page."""
        while self.screen is screen:
            try:
                page = await self.client.call(
                    "task.logs", id=screen.task_id, after=screen.live_after, limit=LOG_PAGE
                )
            except (NotFoundError, SparkQError):
                return
            screen.add_output(page["lines"])
            if len(page["lines"]) < LOG_PAGE:
                return

    # ----- workers ----------------------------------------------------------------------------

    def action_workers(self) -> None:
        if not isinstance(self.screen, WorkersScreen):
            self.push_screen(WorkersScreen(clock=self.clock))
        self.refresh_workers()

    def refresh_workers(self) -> None:
        if isinstance(self.screen, WorkersScreen):
            self._refresh_workers(self.screen)

    @work(group="workers", exclusive=True)
    async def _refresh_workers(self, screen: WorkersScreen) -> None:
        try:
            workers = (await self.client.call("worker.list"))["workers"]
            tasks: dict[str, dict[str, Any]] = {}
            for task_id in {t for w in workers for t in w.get("running") or []}:
                try:
                    tasks[task_id] = await self.client.call("task.get", id=task_id)
                except NotFoundError:
                    continue
        except SparkQError as exc:
            self.notify(exc.message, title="worker.list", severity="error")
            return
        if self.screen is screen:
            screen.show(workers, tasks)
