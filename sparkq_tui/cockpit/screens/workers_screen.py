"""The Workers view (``W``): every runner connected now, with its host, pid, queues and
concurrency, what it runs and since when. The App fills it and keeps it live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.state import format_duration, parse_time, utc_now
from sparkq_tui.cockpit.widgets.cockpit_footer import CockpitFooter

COLUMNS = ("Name", "Host", "PID", "Queues", "Conc", "Running now", "Since", "Last seen")


def _ago(value: str | None, now: datetime) -> str:
    moment = parse_time(value)
    return "—" if moment is None else format_duration((now - moment).total_seconds()) + " ago"


def running_text(ids: list[str], tasks: dict[str, dict[str, Any]], now: datetime) -> str:
    """``BACKEND-0007 (2m05s), DOCS-0001 (4s)``: what a worker runs, each for how long."""
    shown = []
    for task_id in ids:
        task = tasks.get(task_id) or {}
        started = parse_time(task.get("claimed_at"))
        took = f" ({format_duration((now - started).total_seconds())})" if started else ""
        shown.append(f"{task.get('friendly_id') or task_id}{took}")
    return ", ".join(shown) or "idle"


class WorkersScreen(Screen[None]):
    """A table of the runners connected now."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("workers")

    DEFAULT_CSS = """
    WorkersScreen { background: $background; }
    WorkersScreen #workers-title { dock: top; height: 1; background: $panel; padding: 0 1; }
    WorkersScreen DataTable { height: 1fr; background: $surface; }
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.clock = clock
        self.runners: list[dict[str, Any]] = []
        self.table = DataTable(id="workers", cursor_type="row", zebra_stripes=False)

    def compose(self) -> ComposeResult:
        yield Static("Workers", id="workers-title")
        yield self.table
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._ensure_columns()
        self.table.focus()

    def _ensure_columns(self) -> None:
        if not self.table.columns:
            for title in COLUMNS:
                self.table.add_column(title, key=title)

    def show(self, workers: list[dict[str, Any]], tasks: dict[str, dict[str, Any]]) -> None:
        """Redraw from ``worker.list`` and the tasks the workers run (by id)."""
        self.runners = workers
        self._ensure_columns()
        now = self.clock()
        busy = sum(len(w.get("running") or []) for w in workers)
        self.query_one("#workers-title", Static).update(
            f"Workers · {len(workers)} connected · {busy} task{'' if busy == 1 else 's'} running"
        )
        self.table.clear()
        for w in workers:
            self.table.add_row(
                w.get("name", ""),
                w.get("host", ""),
                str(w.get("pid") or "—"),
                ", ".join(w.get("queues") or []) or "(any)",
                str(w.get("concurrency") or "—"),
                running_text(w.get("running") or [], tasks, now),
                _ago(w.get("connected_at"), now),
                _ago(w.get("last_seen_at"), now),
                key=w.get("id"),
            )
        if not workers:
            self.table.add_row("no runners connected", *[""] * (len(COLUMNS) - 1))
