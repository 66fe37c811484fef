"""The main screen: it owns the header, the Sessions, Queues and Tasks panes, the filter, the
quick-add bar and the footer, and shows in them what the App read from the daemon."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input

from sparkq_tui.cockpit.state import TaskFilter, parse_filter, time_cell_moves
from sparkq_tui.cockpit.widgets.cockpit_footer import CockpitFooter
from sparkq_tui.cockpit.widgets.cockpit_header import CockpitHeader
from sparkq_tui.cockpit.widgets.filter_bar import FilterInput
from sparkq_tui.cockpit.widgets.queue_list import QueueList
from sparkq_tui.cockpit.widgets.queue_throughput import QueueThroughput
from sparkq_tui.cockpit.widgets.quick_add_bar import QuickAddBar
from sparkq_tui.cockpit.widgets.session_list import SessionList
from sparkq_tui.cockpit.widgets.task_table import TaskTable

FILTER_DELAY = 0.15  # wait for a pause in typing before asking the daemon
Task = dict[str, Any]
# Reads one page of a queue's tasks: (queue id, filter, offset, limit) → (rows, total) or None.
TaskPageReader = Callable[[str, TaskFilter, int, int], Awaitable[tuple[list[Task], int] | None]]


class MainScreen(Screen[None]):
    """Sessions and Queues on the left, Tasks on the right; the selection scopes each pane."""

    DEFAULT_CSS = """
    #main { height: 1fr; }
    #left { width: 28%; min-width: 22; max-width: 40; }
    #tasks-pane { width: 1fr; }
    """

    class Ready(Message):
        """The panes are mounted: the App may start filling them."""

    def __init__(self, *, clock: Callable[[], datetime], read_task_page: TaskPageReader) -> None:
        super().__init__()
        self.read_task_page = read_task_page
        # Widgets are held as attributes: timers and workers that fire while the app shuts
        # down must not depend on a DOM query still finding them.
        self.header_bar = CockpitHeader(clock=clock, id="header")
        self.session_list = SessionList()
        self.queue_list = QueueList()
        self.throughput = QueueThroughput()
        self.throughput_data: list[dict[str, Any]] = []
        self.filter_input = FilterInput()
        self.task_table = TaskTable(clock=clock, id="tasks")
        self.quick_add_bar = QuickAddBar()
        self.tasks_pane = Vertical(id="tasks-pane")
        self.task_filter = TaskFilter()
        self.pending_session: str | None = None
        self.pending_queue: str | None = None
        self.queues: list[dict[str, Any]] = []
        self._filter_timer: Any = None
        self._shown_queue: str | None = None
        self._task_source_set = False
        self._shown_session: str | None = None

    def compose(self) -> ComposeResult:
        yield self.header_bar
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.session_list
                yield self.queue_list
                yield self.throughput
            with self.tasks_pane:
                self.tasks_pane.border_title = "Tasks"
                yield self.filter_input
                yield self.task_table
        yield self.quick_add_bar
        yield CockpitFooter()

    def on_mount(self) -> None:
        self.task_table.focus()
        # After the first refresh every pane has composed its own children too.
        self.call_after_refresh(self.post_message, self.Ready())

    # ----- what the panes show ----------------------------------------------------------------

    def show(
        self, sessions: list[dict[str, Any]], queues: list[dict[str, Any]], *, reload_tasks: bool
    ) -> None:
        """Fill the panes from fresh state; re-read the visible task rows when asked."""
        self.queues = queues
        select, self.pending_session = self.pending_session, None
        self.session_list.fill(sessions, select=select)
        self._show_queues()
        if reload_tasks:
            self.task_table.reload()

    def _show_queues(self) -> None:
        session_id = self.session_list.selected_id
        self._shown_session = session_id
        mine = [q for q in self.queues if q.get("session_id") == session_id]
        select, self.pending_queue = self.pending_queue, None
        self.queue_list.fill(mine, select=select)
        self._show_throughput()
        self._show_tasks()

    def show_throughput(self, queues: list[dict[str, Any]]) -> None:
        """Take fresh ``queue.throughput`` entries (every queue's)."""
        self.throughput_data = queues
        self._show_throughput()

    def _show_throughput(self) -> None:
        by_id = {q["id"]: q for q in self.throughput_data}
        shown = [by_id[qid] for qid in self.queue_list.entities if qid in by_id]
        self.throughput.show(shown)

    def _show_tasks(self) -> None:
        """Point the Tasks table at the selected queue (a no-op when it already shows it)."""
        queue = self.queue_list.selected
        queue_id = queue["id"] if queue else None
        self.quick_add_bar.target = queue["name"] if queue else ""
        if queue_id == self._shown_queue and self._task_source_set:
            return
        self.quick_add_bar.follow_queue(queue)
        self._task_source_set = True
        self._shown_queue = queue_id
        self._apply_task_source()

    def _apply_task_source(self) -> None:
        table = self.task_table
        queue_id = self._shown_queue
        if queue_id is None:
            table.set_loader(None, empty_message="No queue selected: create one with n in Queues.")
        else:
            table.set_loader(
                partial(self._load_task_page, queue_id, self.task_filter),
                empty_message="No tasks match the filter."
                if self.task_filter.active
                else "No tasks yet: press a to add one.",
            )
        self._update_tasks_title()

    async def _load_task_page(
        self, queue_id: str, task_filter: TaskFilter, offset: int, limit: int
    ) -> tuple[list[Task], int] | None:
        page = await self.read_task_page(queue_id, task_filter, offset, limit)
        if page is not None:
            self.call_later(self._update_tasks_title, page[1])
        return page

    def _update_tasks_title(self, total: int | None = None) -> None:
        pane = self.tasks_pane
        queue = self.queue_list.selected
        pane.border_title = f"Tasks · {queue['name']}" if queue else "Tasks"
        parts = []
        if self.task_filter.active:
            parts.append(f"filter {self.task_filter.describe()}")
        if total is not None:
            parts.append(f"{total} task" + ("" if total == 1 else "s"))
        pane.border_subtitle = " · ".join(parts)

    @on(DataTable.RowHighlighted, "#sessions")
    def _session_highlighted(self) -> None:
        if self.session_list.selected_id != self._shown_session:
            self._show_queues()

    @on(DataTable.RowHighlighted, "#queues")
    def _queue_highlighted(self) -> None:
        self._show_tasks()

    @on(DataTable.RowSelected, "#queues")
    def _queue_selected(self) -> None:
        self.task_table.focus()

    @on(QuickAddBar.Closed)
    def _quick_add_closed(self) -> None:
        self.task_table.focus()

    def tick(self) -> None:
        """Once a second: the header's clock and the running times in the table."""
        self.header_bar.refresh()
        if any(time_cell_moves(t) for t in self.task_table.visible_tasks()):
            self.task_table.refresh()

    # ----- filter -----------------------------------------------------------------------------

    def open_filter(self) -> None:
        self.filter_input.open()

    @on(Input.Changed, "#task-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    @on(Input.Submitted, "#task-filter")
    def _filter_submitted(self) -> None:
        self._apply_filter()
        self.task_table.focus()

    def _apply_filter(self) -> None:
        self._filter_timer = None
        wanted = parse_filter(self.filter_input.value)
        if wanted != self.task_filter:
            self.task_filter = wanted
            self._apply_task_source()
