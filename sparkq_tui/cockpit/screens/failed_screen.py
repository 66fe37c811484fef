"""The Failed view: the dead-letter set (failed tasks) of the selected queue or of every
queue, with each task's reason and error; ``R`` redrives what it shows."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from sparkq_tui.cockpit.widgets.cockpit_footer import CockpitFooter
from sparkq_tui.cockpit.widgets.failed_table import FailedTable

Task = dict[str, Any]


class FailedScreen(Screen[None]):
    """Failed tasks of ``queue`` (every queue when None); the App fills it with ``show``."""

    DEFAULT_CSS = """
    FailedScreen { background: $background; }
    FailedScreen #failed-title { dock: top; height: 1; background: $panel; padding: 0 1; }
    FailedScreen #failed-empty { padding: 1 2; color: $text-muted; }
    FailedScreen FailedTable { height: 1fr; }
    """

    def __init__(self, queue: dict[str, Any] | None) -> None:
        super().__init__()
        self.queue = queue
        self.table = FailedTable()
        self.title_bar = Static(id="failed-title")
        self.empty = Static("No failed tasks.", id="failed-empty")
        self.tasks: list[Task] = []
        self.total = 0
        self.loaded = False

    @property
    def scope_name(self) -> str:
        return f"queue {self.queue['name']}" if self.queue else "every queue"

    def compose(self) -> ComposeResult:
        yield self.title_bar
        yield self.table
        yield self.empty
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._draw()
        self.table.focus()

    @property
    def current_task(self) -> Task | None:
        return self.table.selected

    def show(self, tasks: list[Task], total: int) -> None:
        """Fill the view from a fresh ``task.list`` answer."""
        self.tasks, self.total, self.loaded = tasks, total, True
        if self.is_mounted:
            self._draw()

    def set_queue(self, queue: dict[str, Any] | None) -> None:
        """Show another queue's failed tasks (None: every queue's) until the next ``show``."""
        self.queue, self.loaded = queue, False
        if self.is_mounted:
            self._draw()

    def _draw(self) -> None:
        self.table.fill(self.tasks if self.loaded else [])
        self.table.border_title = f"Failed · {self.scope_name}"
        count = f"{self.total} failed task" + ("" if self.total == 1 else "s")
        shown = "" if len(self.tasks) == self.total else f" (the newest {len(self.tasks)} shown)"
        self.table.border_subtitle = (count + shown) if self.loaded else "…"
        self.title_bar.update(
            "Dead letters · R requeues them all · enter opens one · v this queue / every queue"
        )
        self.empty.display = self.loaded and not self.tasks
