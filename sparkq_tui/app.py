"""The SparkQ cockpit: a full-screen Textual dashboard of sessions, queues and tasks.

It talks to the daemon only through ``AsyncClient`` in workers, re-reads state when events
arrive (debounced), starts a background daemon when none answers, and survives restarts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input

from sparkq_daemon.paths import resolve_socket
from sparkq_tui.client import AsyncClient
from sparkq_tui.cockpit_actions import CockpitActions
from sparkq_tui.cockpit_settings import default_settings_path, load_settings, save_setting
from sparkq_tui.cockpit_state import TaskFilter, cycle, parse_filter, time_cell_moves, utc_now
from sparkq_tui.daemon_control import default_log_file, ensure_daemon
from sparkq_tui.endpoint import Endpoint, resolve_endpoint
from sparkq_tui.errors import DaemonUnavailable, SparkQError
from sparkq_tui.screens.help_screen import HelpScreen
from sparkq_tui.screens.task_detail import TaskDetailScreen
from sparkq_tui.theme_files import builtin_theme_dir, load_themes, user_theme_dir
from sparkq_tui.widgets.cockpit_footer import CockpitFooter
from sparkq_tui.widgets.cockpit_header import CockpitHeader
from sparkq_tui.widgets.filter_bar import FilterInput
from sparkq_tui.widgets.queue_list import QueueList
from sparkq_tui.widgets.quick_add_bar import QuickAddBar
from sparkq_tui.widgets.session_list import SessionList
from sparkq_tui.widgets.task_table import TaskTable

DEFAULT_THEME = "sparkq-dark"
REFRESH_DELAY = 0.05  # coalesce a burst of events into one re-read
FILTER_DELAY = 0.15  # wait for a pause in typing before asking the daemon
# What the cockpit follows: the state it shows, and the catalogue quick-add offers.
EVENT_TOPICS = ("session", "queue", "task", "catalog")


class SparkQApp(CockpitActions, App[int]):
    """Sessions, Queues and Tasks panes over a live connection to the daemon."""

    CSS_PATH = "app.tcss"
    TITLE = "SparkQ"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "quick_add", "Add"),
        Binding("slash", "filter", "Filter"),
        Binding("t", "next_theme", "Theme"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]
    DEFAULT_CSS = """
    #main { height: 1fr; }
    #left { width: 28%; min-width: 22; max-width: 40; }
    #tasks-pane { width: 1fr; }
    """

    def __init__(
        self,
        *,
        socket: str | os.PathLike[str] | None = None,
        config: str | os.PathLike[str] | None = None,
        client: Any | None = None,
        start_daemon: bool = True,
        clock: Callable[[], datetime] = utc_now,
        settings_path: Path | None = None,
        theme_dirs: Sequence[Path] | None = None,
    ) -> None:
        super().__init__()
        self.config_path = config
        if client is not None:
            self.endpoint = getattr(client, "endpoint", None) or Endpoint(
                "unix", path=Path(client.socket_path)
            )
        elif isinstance(socket, Endpoint):
            self.endpoint = socket
        else:
            self.endpoint = resolve_endpoint(
                socket=socket, socket_path=lambda: resolve_socket(None, config)
            )
        self.socket_path = self.endpoint.path  # None for a remote daemon
        self.client = client or AsyncClient(self.endpoint)
        self.start_daemon = start_daemon and client is None
        self.clock = clock
        self.settings_path = settings_path or default_settings_path()
        self.theme_dirs = list(theme_dirs or (builtin_theme_dir(), user_theme_dir()))
        self.theme_names: list[str] = []
        self.sessions: list[dict[str, Any]] = []
        self.queues: list[dict[str, Any]] = []
        self.prompts: dict[str, str] = {}
        self.task_filter = TaskFilter()
        self.pending_session: str | None = None
        self.pending_queue: str | None = None
        self.started_daemon = False
        self.ready = False
        self._refresh_timer: Any = None
        self._filter_timer: Any = None
        self._shown_queue: str | None = None
        self._task_source_set = False
        self._shown_session: str | None = None

    # ----- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Widgets are held as attributes: timers and workers that fire while the app shuts
        # down must not depend on a DOM query still finding them.
        self.header_bar = CockpitHeader(clock=self.clock, id="header")
        self.session_list = SessionList()
        self.queue_list = QueueList()
        self.filter_input = FilterInput()
        self.task_table = TaskTable(clock=self.clock, id="tasks")
        self.quick_add_bar = QuickAddBar()
        yield self.header_bar
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.session_list
                yield self.queue_list
            with Vertical(id="tasks-pane") as tasks:
                self.tasks_pane = tasks
                tasks.border_title = "Tasks"
                yield self.filter_input
                yield self.task_table
        yield self.quick_add_bar
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._load_theme_files()
        self.header_bar.socket_path = str(self.endpoint)  # the URL of a remote daemon
        self.task_table.focus()
        self.set_interval(1.0, self._tick)
        self._boot()

    # ----- connection -------------------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        self.header_bar.state = state

    @work(group="boot", exclusive=True)
    async def _boot(self) -> None:
        if self.start_daemon and self.endpoint.remote:
            try:
                await self.client.connect()  # one attempt: nothing here could start it
            except SparkQError as exc:
                self._set_state("unavailable")
                self.notify(
                    f"{exc.message}. The cockpit cannot start a daemon at {self.endpoint}: "
                    "it is remote; start it on its host.",
                    severity="error",
                    timeout=30,
                )
                return
        elif self.start_daemon:
            self._set_state("connecting")
            try:
                started = await asyncio.to_thread(
                    ensure_daemon, self.socket_path, config=self.config_path
                )
            except (RuntimeError, OSError) as exc:
                self._set_state("unavailable")
                self.notify(f"Could not start a daemon: {exc}", severity="error", timeout=30)
                return
            if started:
                self.started_daemon = True
                self.notify(
                    f"No daemon answered on {self.socket_path}: started one in the background "
                    f"(log: {default_log_file(self.socket_path)}). It keeps running after you quit.",
                    title="daemon started",
                    timeout=8,
                )
        # The event worker subscribes first (its connect sends events.subscribe before any
        # other call on the connection), so no change slips between the first read and events.
        self._follow_events()
        await self.reload_everything()
        self.ready = True

    @work(group="events", exclusive=True)
    async def _follow_events(self) -> None:
        while True:
            try:
                async for event in self.client.subscribe(EVENT_TOPICS):
                    kind = event.get("type", "")
                    if kind == "connection.lost":
                        self._set_state("reconnecting")
                    elif kind in ("connection.restored", "events.overflow"):
                        self._set_state("connected")
                        self.reload_everything_soon()
                    elif event.get("topic") == "catalog":
                        self._reload_catalog()
                    else:
                        self.refresh_soon()
            except DaemonUnavailable:
                self._set_state("reconnecting")
                await asyncio.sleep(0.5)  # back off before the next reconnect attempt

    def reload_everything_soon(self) -> None:
        self._reload_everything()

    @work(group="reload", exclusive=True)
    async def _reload_everything(self) -> None:
        await self.reload_everything()

    async def reload_everything(self) -> None:
        """Read the catalog (tools, prompts) and all state; used at start and after a restart."""
        if await self.reload_catalog():
            await self.refresh_state(reload_tasks=True)

    @work(group="catalog", exclusive=True)
    async def _reload_catalog(self) -> None:
        await self.reload_catalog()

    async def reload_catalog(self) -> bool:
        """Read the tools and prompt templates quick-add offers; False when the daemon failed."""
        try:
            tools = (await self.client.call("tool.list"))["tools"]
            prompts = (await self.client.call("prompt.list"))["prompts"]
        except SparkQError as exc:
            self._set_state("reconnecting" if isinstance(exc, DaemonUnavailable) else "connected")
            return False
        self.quick_add_bar.set_tools([t["name"] for t in tools])
        self.prompts = {p["command"]: p["template_text"] for p in prompts}
        return True

    def refresh_soon(self) -> None:
        """Re-read state shortly (a burst of events costs one re-read)."""
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(REFRESH_DELAY, self._refresh_due)

    def _refresh_due(self) -> None:
        self._refresh_timer = None
        self._refresh_worker()

    @work(group="refresh", exclusive=True)
    async def _refresh_worker(self) -> None:
        await self.refresh_state(reload_tasks=True)

    async def refresh_state(self, *, reload_tasks: bool) -> None:
        """Re-read sessions, queues and counts; re-read the visible task rows and the detail."""
        try:
            sessions = (await self.client.call("session.list"))["sessions"]
            queues = (await self.client.call("queue.list", include_archived=True))["queues"]
            stats = await self.client.call("system.stats")
        except DaemonUnavailable:
            self._set_state("reconnecting")
            return
        except SparkQError as exc:
            self.notify(exc.message, severity="error")
            return
        self._set_state("connected")
        self.header_bar.set_counts(stats.get("tasks") or {})
        self.sessions = sorted(sessions, key=lambda s: (s.get("status") != "active",))
        self.queues = queues
        self._show_sessions()
        if reload_tasks:
            self.task_table.reload()
        self.refresh_detail()

    def refresh_detail(self) -> None:
        if isinstance(self.screen, TaskDetailScreen):
            self._refresh_detail(self.screen)

    @work(group="detail", exclusive=True)
    async def _refresh_detail(self, screen: TaskDetailScreen) -> None:
        task = await self.refresh_task(screen.task_id)
        if self.screen is not screen:
            return
        if task is None:
            self.pop_screen()
        else:
            screen.show_task(task)

    # ----- panes ------------------------------------------------------------------------------

    def _show_sessions(self) -> None:
        sessions = self.session_list
        select, self.pending_session = self.pending_session, None
        sessions.fill(self.sessions, select=select)
        self._show_queues()

    def _show_queues(self) -> None:
        session_id = self.session_list.selected_id
        self._shown_session = session_id
        mine = [q for q in self.queues if q.get("session_id") == session_id]
        select, self.pending_queue = self.pending_queue, None
        queue_list = self.queue_list
        queue_list.fill(mine, select=select)
        self._show_tasks()

    def _show_tasks(self) -> None:
        """Point the Tasks table at the selected queue (a no-op when it already shows it)."""
        queue = self.queue_list.selected
        queue_id = queue["id"] if queue else None
        bar = self.quick_add_bar
        bar.target = queue["name"] if queue else ""
        if queue_id == self._shown_queue and self._task_source_set:
            return
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
    ) -> tuple[list[dict[str, Any]], int] | None:
        params: dict[str, Any] = {"queue": queue_id, "limit": limit, "offset": offset}
        if task_filter.search:
            params["search"] = task_filter.search
        if task_filter.statuses:
            # One status as v1 sends it; several as a list (a SparkQ addition to task.list).
            one = len(task_filter.statuses) == 1
            params["status"] = task_filter.statuses[0] if one else list(task_filter.statuses)
        try:
            answer = await self.client.call("task.list", params)
        except DaemonUnavailable:
            return None
        except SparkQError as exc:
            self.notify(exc.message, title="task.list", severity="error")
            return None
        self.call_later(self._update_tasks_title, answer["total"])
        return answer["tasks"], answer["total"]

    def _update_tasks_title(self, total: int | None = None) -> None:
        pane = self.tasks_pane
        queue = self.queue_list.selected
        title = f"Tasks · {queue['name']}" if queue else "Tasks"
        pane.border_title = title
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

    @on(TaskTable.Selected)
    def _task_selected(self, event: TaskTable.Selected) -> None:
        self.open_task(event.task)

    def _tick(self) -> None:
        if not self.screen_stack:  # the app is shutting down
            return
        self.header_bar.refresh()
        table = self.task_table
        if any(time_cell_moves(t) for t in table.visible_tasks()):
            table.refresh()
        if isinstance(self.screen, TaskDetailScreen):
            self.screen.refresh_clock()

    # ----- filter -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        if isinstance(self.screen, TaskDetailScreen):
            self.pop_screen()
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

    # ----- themes -----------------------------------------------------------------------------

    def _load_theme_files(self) -> None:
        themes, problems = load_themes(self.theme_dirs)
        for theme in themes:
            self.register_theme(theme)
        self.theme_names = [t.name for t in themes]
        for problem in problems:
            self.notify(problem, title="theme file skipped", severity="warning", timeout=8)
        saved = load_settings(self.settings_path).get("theme")
        if saved in self.available_themes:
            self.theme = saved
        elif DEFAULT_THEME in self.available_themes:
            self.theme = DEFAULT_THEME

    def action_next_theme(self) -> None:
        names = self.theme_names or sorted(self.available_themes)
        self.theme = cycle(names, self.theme)
        self.notify(f"Theme: {self.theme}", timeout=1.5)

    def watch_theme(self, theme: str) -> None:
        if self.is_mounted and self.theme_names:
            try:
                save_setting(self.settings_path, "theme", theme)
            except OSError as exc:
                self.notify(f"Could not save the theme choice: {exc}", severity="warning")

    # ----- misc -------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in PALETTE_COMMANDS:
            yield SystemCommand(title, help_text, partial(self.run_action, action))


PALETTE_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Quick-add task", "Enqueue into the selected queue (a)", "quick_add"),
    ("Filter tasks", "Filter by text and status:NAME (/)", "filter"),
    ("Open task", "Show the selected task in full (enter)", "open_task"),
    ("Claim task", "Claim the selected task (c)", "claim_task"),
    ("Complete task", "Complete the selected task with a result (d)", "complete_task"),
    ("Fail task", "Fail the selected task with an error (f)", "fail_task"),
    ("Requeue task", "Put the selected task back in its queue (r)", "requeue_task"),
    ("Rerun task", "Enqueue a copy of the selected task (R)", "rerun_task"),
    ("Delete task", "Delete the selected task (x)", "delete_task"),
    ("New queue", "Create a queue in the selected session", "new_queue"),
    ("End queue", "End the selected queue", "end_queue"),
    ("Pause or resume queue", "Toggle pause on the selected queue", "toggle_pause_queue"),
    ("Archive or unarchive queue", "Toggle archive on the selected queue", "toggle_archive_queue"),
    ("Delete queue", "Delete the selected queue and its tasks", "delete_queue"),
    ("New session", "Create a session", "new_session"),
    ("End session", "End the selected session", "end_session"),
    ("Delete session", "Delete the selected session, its queues and tasks", "delete_session"),
    ("Next theme", "Cycle the SparkQ themes (t)", "next_theme"),
    ("Help", "Show the keys (?)", "help"),
)


def run_cockpit(
    *,
    socket: str | os.PathLike[str] | Endpoint | None = None,
    config: str | os.PathLike[str] | None = None,
) -> int:
    """Open the cockpit full-screen; start a background daemon first when none answers."""
    app = SparkQApp(socket=socket, config=config)
    code = app.run()
    if app.started_daemon:
        print(f"The cockpit started a daemon on {app.socket_path}; stop it with `sparkq stop`.")
    return code or 0
