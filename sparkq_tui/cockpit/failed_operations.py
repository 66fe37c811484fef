"""What the Failed view's actions do: open it, switch between the selected queue and every
queue, read the dead-letter set, and redrive it (``queue.requeue_failed``, asked first).

A mixin of the App, like ``operations.py``; it names what it needs from its host below."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import work
from textual.app import App

from sparkq_tui.cockpit.screens.confirm_dialog import ConfirmDialog
from sparkq_tui.cockpit.screens.failed_screen import FailedScreen
from sparkq_tui.cockpit.widgets.queue_list import QueueList
from sparkq_tui.errors import DaemonUnavailable, SparkQError

FAILED_PAGE = 500  # the newest failed tasks the view lists (the count says how many there are)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


class FailedViewOperations(App[int]):
    """The ``action_…`` methods of the Failed view, and its reads."""

    client: Any
    queue_list: QueueList
    queues: list[dict[str, Any]]

    # Provided by the App's other mixin (annotations only: a stub here would shadow them).
    rpc: Callable[..., Awaitable[Any]]
    refresh_soon: Callable[[], None]
    back_to_main: Callable[[], None]

    def failed_screen(self) -> FailedScreen | None:
        """The Failed view when it is open (under a task detail or not)."""
        return next((s for s in self.screen_stack if isinstance(s, FailedScreen)), None)

    def action_failed_view(self) -> None:
        if isinstance(self.screen, FailedScreen):
            self.pop_screen()
            return
        self.back_to_main()
        screen = FailedScreen(self.queue_list.selected)
        self.push_screen(screen)
        self.reload_failed()

    def action_toggle_failed_scope(self) -> None:
        screen = self.failed_screen()
        if screen is None:
            self.action_failed_view()
            return
        selected = self.queue_list.selected
        screen.set_queue(None if screen.queue is not None or selected is None else selected)
        self.reload_failed()

    def reload_failed(self) -> None:
        """Re-read the Failed view's tasks, if it is open."""
        screen = self.failed_screen()
        if screen is not None:
            self._reload_failed(screen)

    @work(group="failed", exclusive=True)
    async def _reload_failed(self, screen: FailedScreen) -> None:
        params: dict[str, Any] = {"status": "failed", "limit": FAILED_PAGE}
        if screen.queue is not None:
            params["queue"] = screen.queue["id"]
        try:
            answer = await self.client.call("task.list", params)
        except DaemonUnavailable:
            return
        except SparkQError as exc:
            self.notify(exc.message, title="task.list", severity="error")
            return
        if (screen.queue or {}).get("id") == params.get("queue"):  # not switched meanwhile
            screen.show(answer["tasks"], answer["total"])

    def action_redrive_failed(self) -> None:
        screen = self.failed_screen()
        queue = screen.queue if screen is not None else self.queue_list.selected
        if screen is not None and not screen.loaded:
            return  # the count the question names is not known yet
        self._redrive_failed(queue, screen.total if screen is not None else None)

    @work(group="actions")
    async def _redrive_failed(self, queue: dict[str, Any] | None, shown: int | None) -> None:
        if queue is not None:
            targets = [queue]
        else:  # every queue that has failed tasks
            targets = [q for q in self.queues if (q.get("counts") or {}).get("failed")]
        count = shown
        if count is None:
            count = sum((q.get("counts") or {}).get("failed", 0) for q in targets)
        if not count:
            self.notify("No failed tasks to requeue.", severity="warning", timeout=3)
            return
        where = f"queue {queue['name']}" if queue is not None else plural(len(targets), "queue")
        question = f"Requeue {plural(count, 'failed task')} of {where}? Their attempts start again."
        if not await self.push_screen_wait(
            ConfirmDialog(question, confirm_label="Requeue", deny_label="Keep")
        ):
            return
        requeued = 0
        for target in targets:
            answer = await self.rpc("queue.requeue_failed", queue=target["id"])
            if answer is None:
                break
            requeued += answer["requeued"]
        self.notify(f"Requeued {plural(requeued, 'failed task')}", timeout=3)
        self.refresh_soon()
