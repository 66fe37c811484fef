"""One task in full: payload, result, error, stdout/stderr, timings, attempts, worker; for an
LLM task first its prompt, its reply and the token usage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.llm_view import llm_view
from sparkq_tui.cockpit.state import (
    STATUS_GLYPHS,
    format_duration,
    is_stale,
    parse_time,
    pretty_json,
    task_elapsed,
    utc_now,
)
from sparkq_tui.cockpit.widgets.cockpit_footer import CockpitFooter
from sparkq_tui.cockpit.widgets.cockpit_header import STATUS_VARIABLES

Task = dict[str, Any]


def _when(value: str | None) -> str:
    moment = parse_time(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


class TaskDetailScreen(Screen[None]):
    """Opened with Enter on a task; updated live while it is shown."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("detail")

    DEFAULT_CSS = """
    TaskDetailScreen { background: $background; }
    TaskDetailScreen #detail-title { dock: top; height: 1; background: $panel; padding: 0 1; }
    TaskDetailScreen #detail-body { padding: 0 1; }
    TaskDetailScreen .section {
        margin-top: 1; color: $text-muted; text-style: bold;
    }
    TaskDetailScreen .block { background: $surface; padding: 0 1; }
    TaskDetailScreen .output { height: auto; max-height: 12; background: $surface; }
    TaskDetailScreen #detail-stale { color: $warning; text-style: bold; }
    TaskDetailScreen #detail-error { color: $error; }
    TaskDetailScreen #detail-llm { height: auto; }
    TaskDetailScreen #detail-usage { color: $text-muted; }
    """

    def __init__(self, task: Task, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.task_data = task
        self.clock = clock
        self._composed = False

    @property
    def task_id(self) -> str:
        return self.task_data["id"]

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-stale")
            yield Static(id="detail-facts")
            with Vertical(id="detail-llm"):
                yield Static("Prompt", classes="section")
                yield Static(id="detail-prompt", classes="block", markup=False)
                yield Static("Reply", classes="section")
                with VerticalScroll(classes="output"):
                    yield Static(id="detail-reply", classes="block", markup=False)
                yield Static(id="detail-usage", markup=False)
            yield Static("Payload", classes="section")
            yield Static(id="detail-payload", classes="block", markup=False)
            yield Static("Result", classes="section")
            yield Static(id="detail-result", classes="block", markup=False)
            yield Static("Error", classes="section")
            yield Static(id="detail-error", classes="block", markup=False)
            yield Static("Stdout", classes="section")
            with VerticalScroll(classes="output"):
                yield Static(id="detail-stdout", classes="block", markup=False)
            yield Static("Stderr", classes="section")
            with VerticalScroll(classes="output"):
                yield Static(id="detail-stderr", classes="block", markup=False)
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._composed = True
        self.show_task(self.task_data)
        self.query_one("#detail-body").focus()

    def show_task(self, task: Task) -> None:
        """Redraw with a fresh copy of the task."""
        self.task_data = task
        if not self._composed:
            return  # on_mount draws it
        status = task.get("status", "")
        self.query_one("#detail-title", Static).update(
            Content.assemble(
                (task.get("friendly_id") or task["id"], "bold"),
                "  ",
                (f"{STATUS_GLYPHS.get(status, '?')} {status}", STATUS_VARIABLES.get(status, "")),
                f"  {task.get('tool', '')}  in {task.get('queue_name') or task.get('queue_id')}",
            )
        )
        stale = self.query_one("#detail-stale", Static)
        stale.display = is_stale(task)
        if is_stale(task):
            stale.update(
                f"⚠ stale: no heartbeat since {_when(task.get('heartbeat_at') or task.get('claimed_at'))}"
                f" (warned {_when(task.get('stale_warned_at'))}); it fails at 2× its timeout"
            )
        self.query_one("#detail-facts", Static).update(self._facts(task))
        self._show_llm(task)
        self._set_block("#detail-payload", task.get("payload"))
        self._set_block("#detail-result", task.get("result"))
        self._set_block("#detail-error", task.get("error"))
        self._set_block("#detail-stdout", task.get("stdout"))
        self._set_block("#detail-stderr", task.get("stderr"))

    def _show_llm(self, task: Task) -> None:
        view = llm_view(task)
        self.query_one("#detail-llm").display = view is not None
        if view is None:
            return
        self.query_one("#detail-prompt", Static).update(view.prompt)
        waiting = "(waiting for the reply…)" if task.get("status") == "running" else "—"
        self.query_one("#detail-reply", Static).update(view.reply or waiting)
        usage = self.query_one("#detail-usage", Static)
        usage.display = view.usage is not None
        usage.update(f"usage: {view.usage}" if view.usage else "")

    def refresh_clock(self) -> None:
        """Tick the running time of a running task."""
        if self._composed and self.task_data.get("status") == "running":
            self.query_one("#detail-facts", Static).update(self._facts(self.task_data))

    def _facts(self, task: Task) -> Content:
        elapsed = task_elapsed(task, self.clock())
        rows = [
            ("id", task.get("id", "")),
            ("created", _when(task.get("created_at"))),
            ("claimed", _when(task.get("claimed_at"))),
            ("heartbeat", _when(task.get("heartbeat_at"))),
            ("finished", _when(task.get("finished_at"))),
            (
                "running time" if task.get("status") == "running" else "ran",
                format_duration(elapsed) or "—",
            ),
            ("attempts", str(task.get("attempts", 0))),
            ("worker", task.get("worker") or "—"),
            ("class", f"{task.get('task_class') or '—'}  timeout {task.get('timeout')} s"),
            ("priority", str(task.get("priority", 0))),
        ]
        if task.get("role"):
            rows.append(("role", task["role"]))
        parts: list[str | tuple[str, str]] = []
        for label, value in rows:
            parts += [(f"{label:>13} ", "$text-muted"), f"{value}\n"]
        return Content.assemble(*parts).rstrip()

    def _set_block(self, selector: str, value: Any) -> None:
        block = self.query_one(selector, Static)
        block.update("—" if value in (None, "") else pretty_json(value))
