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
from textual.app import SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from sparkq_daemon.paths import resolve_socket
from sparkq_tui.client import AsyncClient
from sparkq_tui.cockpit.actions import bindings, palette_actions
from sparkq_tui.cockpit.failed_operations import FailedViewOperations
from sparkq_tui.cockpit.schedule_operations import ScheduleOperations
from sparkq_tui.cockpit.screens.help_screen import HelpScreen
from sparkq_tui.cockpit.screens.main_screen import MainScreen
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.settings import default_settings_path, load_settings, save_setting
from sparkq_tui.cockpit.state import TaskFilter, cycle, utc_now
from sparkq_tui.cockpit.watching import WatchingOperations
from sparkq_tui.cockpit.widgets.task_table import TaskTable
from sparkq_tui.daemon_control import default_log_file, ensure_daemon
from sparkq_tui.endpoint import Endpoint, resolve_endpoint
from sparkq_tui.errors import (
    DaemonUnavailable,
    ForbiddenError,
    MethodNotFoundError,
    SparkQError,
)
from sparkq_tui.theme_files import builtin_theme_dir, load_themes, user_theme_dir

DEFAULT_THEME = "sparkq-dark"
REFRESH_DELAY = 0.05  # coalesce a burst of events into one re-read
# What the cockpit follows: the state it shows, and the catalogue quick-add offers.
EVENT_TOPICS = ("session", "queue", "task", "catalog", "worker", "schedule")
# Seconds between reads of the queues' throughput (a heavier query): at most this often after
# changes, and this often when nothing happens (the minutes move on).
THROUGHPUT_EVERY = 5.0
THROUGHPUT_IDLE = 15.0


class SparkQApp(ScheduleOperations, FailedViewOperations, WatchingOperations):
    """The connection to the daemon, the event pump and the themes; the main screen shows."""

    CSS_PATH = "app.tcss"
    TITLE = "SparkQ"
    BINDINGS: ClassVar[list[BindingType]] = bindings("everywhere")

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
        self.roles: list[str] = []  # the active roles' keys, for quick-add's @key
        self.project: dict[str, Any] = {}
        self.started_daemon = False
        self.ready = False
        self._refresh_timer: Any = None
        self._throughput_read_at = float("-inf")  # loop time of the last queue.throughput
        self.main = MainScreen(clock=clock, read_task_page=self.read_task_page)
        # The panes, by name, for the actions (operations.py) and the tests.
        self.header_bar = self.main.header_bar
        self.session_list = self.main.session_list
        self.queue_list = self.main.queue_list
        self.task_table = self.main.task_table
        self.quick_add_bar = self.main.quick_add_bar

    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        self._load_theme_files()
        self.set_interval(1.0, self._tick)

    @on(MainScreen.Ready)
    def _main_ready(self) -> None:
        self.header_bar.socket_path = str(self.endpoint)  # the URL of a remote daemon
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
                    elif event.get("topic") == "worker":
                        self.refresh_workers()
                    elif event.get("topic") == "catalog":
                        self._reload_catalog()
                    elif kind == "task.log":
                        self.live_output_event(event)
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
        """Read the tools, prompt templates and roles quick-add offers, and the project and
        model profiles from the daemon's config; False when the daemon failed."""
        try:
            tools = (await self.client.call("tool.list"))["tools"]
            prompts = (await self.client.call("prompt.list"))["prompts"]
            roles = (await self.client.call("role.list"))["roles"]
            config = await self._config_sections()
        except SparkQError as exc:
            self._set_state("reconnecting" if isinstance(exc, DaemonUnavailable) else "connected")
            return False
        self.quick_add_bar.set_tools([t["name"] for t in tools])
        self.quick_add_bar.config = config
        self.prompts = {p["command"]: p["template_text"] for p in prompts}
        self.roles = [r["key"] for r in roles if r.get("active")]
        self.project = config.get("project") or {}
        self.header_bar.project = self.project.get("name") or ""
        return True

    async def _config_sections(self) -> dict[str, Any]:
        """``config.get``'s sections; {} for a token whose scope may not read them."""
        try:
            return (await self.client.call("config.get"))["config"]
        except (ForbiddenError, MethodNotFoundError):
            return {}

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
        self.main.show(self.sessions, queues, reload_tasks=reload_tasks)
        self.refresh_detail()
        self.refresh_workers()
        self.reload_failed()
        self.load_schedules()  # the Schedules view, when it is open
        if self._throughput_due():
            self._refresh_throughput()

    def _throughput_due(self, every: float = THROUGHPUT_EVERY) -> bool:
        return asyncio.get_running_loop().time() - self._throughput_read_at >= every

    @work(group="throughput", exclusive=True)
    async def _refresh_throughput(self) -> None:
        self._throughput_read_at = asyncio.get_running_loop().time()
        try:
            answer = await self.client.call("queue.throughput", minutes=60)
        except SparkQError:
            return  # the next refresh tries again
        self.main.show_throughput(answer["queues"])

    def refresh_detail(self) -> None:
        if isinstance(self.screen, TaskDetailScreen):
            self._refresh_detail(self.screen)

    @work(group="detail", exclusive=True)
    async def _refresh_detail(self, screen: TaskDetailScreen) -> None:
        task = await self.refresh_task(screen.task_id)
        events = await self.read_task_events(screen.task_id) if task is not None else None
        if self.screen is not screen:
            return
        if task is None:
            self.pop_screen()
        else:
            screen.show_task(task, events)

    async def read_task_events(self, task_id: str) -> list[dict[str, Any]] | None:
        """A task's timeline (``task.events``); None when it could not be read."""
        try:
            return (await self.client.call("task.events", {"id": task_id}))["events"]
        except SparkQError:
            return None

    # ----- panes ------------------------------------------------------------------------------

    async def read_task_page(
        self, queue_id: str, task_filter: TaskFilter, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int] | None:
        """One page of a queue's tasks for the Tasks table; None when the daemon failed."""
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
        return answer["tasks"], answer["total"]

    @on(TaskTable.Selected)
    def _task_selected(self, event: TaskTable.Selected) -> None:
        self.open_task(event.task)

    def _tick(self) -> None:
        if not self.screen_stack:  # the app is shutting down
            return
        self.main.tick()
        if isinstance(self.screen, TaskDetailScreen):
            self.screen.refresh_clock()
        if self.ready and self._throughput_due(THROUGHPUT_IDLE):
            self._refresh_throughput()

    def action_filter(self) -> None:
        self.back_to_main()
        self.main.open_filter()

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
        for action in palette_actions():
            help_text = f"{action.help[:1].upper()}{action.help[1:]} ({action.key_display})"
            yield SystemCommand(action.title, help_text, partial(self.run_action, action.action))


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
