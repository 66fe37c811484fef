"""The Schedules view (``S``): every schedule with its timing, next and last run; the user
pauses, resumes, runs now or deletes the one under the cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.state import format_duration, parse_time, utc_now
from sparkq_tui.cockpit.widgets.cockpit_footer import CockpitFooter

Schedule = dict[str, Any]
COLUMNS = ("Name", "Queue", "When", "Next run", "Last run", "Runs")


def timing(schedule: Schedule) -> str:
    if schedule.get("cron"):
        zone = schedule.get("timezone") or "UTC"
        return f"{schedule['cron']}" + ("" if zone == "UTC" else f" {zone}")
    return f"every {schedule.get('every')}s"


def next_run(schedule: Schedule, now: datetime) -> Text:
    """``⏸ paused``, or the local time of the next run and how far off it is."""
    if not schedule.get("enabled"):
        return Text("⏸ paused", style="yellow")
    moment = parse_time(schedule.get("next_run_at"))
    if moment is None:
        return Text("—")
    away = format_duration(max(0.0, (moment - now).total_seconds())) or "now"
    return Text(f"{moment.astimezone():%Y-%m-%d %H:%M:%S}  in {away}")


class SchedulesScreen(Screen[None]):
    """Opened with ``S``; refreshed when a schedule event arrives."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("schedules")

    DEFAULT_CSS = """
    SchedulesScreen { background: $background; }
    SchedulesScreen #schedules-title { dock: top; height: 1; background: $panel; padding: 0 1; }
    SchedulesScreen DataTable { height: 1fr; background: $surface; }
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.clock = clock
        self.schedules: dict[str, Schedule] = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Schedules", id="schedules-title")
        table: DataTable = DataTable(id="schedules-table", cursor_type="row", zebra_stripes=False)
        for name in COLUMNS:  # before mounting: rows may arrive before on_mount
            table.add_column(name, key=name.lower())
        yield table
        yield CockpitFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    @property
    def selected(self) -> Schedule | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.schedules.get(str(row_key.value))

    def show(self, schedules: list[Schedule]) -> None:
        """Redraw with fresh schedules, keeping the cursor on the same one."""
        table = self.query_one(DataTable)
        keep = self.selected["id"] if self.selected else None
        self.schedules = {s["id"]: s for s in schedules}
        table.clear()
        now = self.clock()
        for s in schedules:
            table.add_row(
                s["name"],
                s.get("queue_name") or s.get("queue_id", ""),
                timing(s),
                next_run(s, now),
                Text(_local(s.get("last_run_at")), style="dim"),
                str(s.get("runs", 0)),
                key=s["id"],
            )
        if keep in self.schedules:
            table.move_cursor(row=table.get_row_index(keep))
        count = len(schedules)
        self.query_one("#schedules-title", Static).update(
            f"Schedules — {count}" if count else "Schedules — none yet: sparkq schedule add …"
        )
        self.loaded = True


def _local(value: str | None) -> str:
    moment = parse_time(value)
    return f"{moment.astimezone():%Y-%m-%d %H:%M:%S}" if moment else "—"
