"""One task in full: payload, result, error, stdout/stderr, timings, attempts, worker, its
timeline (``task.events``); for an LLM task first its prompt, its reply and the token usage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Log, ProgressBar, Static

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.llm_view import llm_view
from sparkq_tui.cockpit.progress_text import progress_percent
from sparkq_tui.cockpit.state import (
    STATUS_GLYPHS,
    format_due,
    format_duration,
    is_stale,
    parse_time,
    pretty_json,
    task_due_in,
    task_elapsed,
    utc_now,
)
from sparkq_tui.cockpit.widgets.cockpit_footer import CockpitFooter
from sparkq_tui.cockpit.widgets.cockpit_header import STATUS_VARIABLES
from sparkq_tui.cockpit.widgets.task_timeline import TaskTimeline
from sparkq_tui.pytasks.call_text import TOOL as PYTHON_CALL
from sparkq_tui.pytasks.call_text import call_text

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
    TaskDetailScreen #detail-progress { margin-top: 1; }
    TaskDetailScreen #detail-live { height: 16; background: $surface; }
    /* Shown once the task has printed something (add_output). */
    TaskDetailScreen #detail-live, TaskDetailScreen #detail-live-title { display: none; }
    TaskDetailScreen #detail-llm { height: auto; }
    TaskDetailScreen #detail-usage { color: $text-muted; }
    """

    class Opened(Message):
        """The detail is on screen: the App starts following the task's live output."""

        def __init__(self, screen: TaskDetailScreen) -> None:
            super().__init__()
            self.detail = screen

    def __init__(self, task: Task, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.task_data = task
        self.clock = clock
        self.timeline = TaskTimeline(id="detail-timeline", classes="block")
        self._composed = False
        # A task id as shown: its friendly id when the owner knows it (the Tasks table's).
        self.name_of: Callable[[str], str] = str
        self.live_after = 0  # the last live output line shown (task.logs' seq)
        self._streamed_reply: list[str] = []  # an LLM task's stdout chunks: its reply so far

    @property
    def task_id(self) -> str:
        return self.task_data["id"]

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-stale")
            yield Static(id="detail-facts")
            yield ProgressBar(total=100, show_eta=False, id="detail-progress")
            yield Static(id="detail-progress-message", markup=False)
            yield Static("Timeline", classes="section")
            yield self.timeline
            with Vertical(id="detail-llm"):
                yield Static("Prompt", classes="section")
                yield Static(id="detail-prompt", classes="block", markup=False)
                yield Static("Reply", classes="section")
                with VerticalScroll(classes="output", id="detail-reply-scroll"):
                    yield Static(id="detail-reply", classes="block", markup=False)
                yield Static(id="detail-usage", markup=False)
            yield Static("Payload", classes="section")
            yield Static(id="detail-payload", classes="block", markup=False)
            yield Static("Result", classes="section")
            yield Static(id="detail-result", classes="block", markup=False)
            yield Static("Error", classes="section")
            yield Static(id="detail-error", classes="block", markup=False)
            yield Static("Live output", classes="section", id="detail-live-title")
            yield Log(id="detail-live", auto_scroll=True)
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
        self.post_message(self.Opened(self))

    def on_unmount(self) -> None:
        self._composed = False  # live updates still on their way find nothing to draw

    def show_task(self, task: Task, events: list[dict[str, Any]] | None = None) -> None:
        """Redraw with a fresh copy of the task (and of its timeline, when given)."""
        self.task_data = task
        if events is not None:
            self.timeline.events = events
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
        self._show_progress(task)
        self._show_llm(task)
        call = (
            call_text(task.get("payload"), module=True) if task.get("tool") == PYTHON_CALL else None
        )
        self._set_block("#detail-payload", call or task.get("payload"))
        self._set_block("#detail-result", task.get("result"))
        self._set_block("#detail-error", task.get("error"))
        self._set_block("#detail-stdout", task.get("stdout"))
        self._set_block("#detail-stderr", task.get("stderr"))

    def _show_progress(self, task: Task) -> None:
        percent = progress_percent(task)
        bar = self.query_one("#detail-progress", ProgressBar)
        message = self.query_one("#detail-progress-message", Static)
        bar.display = percent is not None
        progress = task.get("progress") or {}
        message.display = task.get("status") == "running" and bool(progress.get("message"))
        if percent is not None:
            bar.update(progress=percent)
        if message.display:
            message.update(str(progress.get("message")))

    def add_output(self, lines: list[dict[str, Any]]) -> None:
        """Append live output lines (those after ``live_after``, in order); an LLM task's
        stdout is its reply streaming in, shown under Reply instead."""
        fresh = [line for line in lines if line["seq"] > self.live_after]
        if not fresh or not self._composed:
            return
        self.live_after = fresh[-1]["seq"]
        if llm_view(self.task_data) is not None:
            reply = [line["text"] for line in fresh if line.get("stream") == "stdout"]
            fresh = [line for line in fresh if line.get("stream") != "stdout"]
            if reply:
                self._streamed_reply += reply
                self._show_llm(self.task_data)
                self.query_one("#detail-reply-scroll", VerticalScroll).scroll_end(animate=False)
        if not fresh:
            return
        log = self.query_one("#detail-live", Log)
        log.write("".join(line["text"] for line in fresh))
        if not log.display:
            log.display = True
            self.query_one("#detail-live-title").display = True

    @property
    def live_output(self) -> str:
        """The live output shown so far ("" before the screen is drawn)."""
        if not self._composed:
            return ""
        return "\n".join(self.query_one("#detail-live", Log).lines)

    @property
    def reply_text(self) -> str:
        """The Reply shown for an LLM task ("" for another task or before it is drawn)."""
        if not self._composed or not self.query_one("#detail-llm").display:
            return ""
        return str(self.query_one("#detail-reply", Static).content)

    def _show_llm(self, task: Task) -> None:
        view = llm_view(task, "".join(self._streamed_reply))
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
        """Tick the running time of a running task and the due time of a scheduled one."""
        if self._composed and self.task_data.get("status") in ("running", "scheduled"):
            self.query_one("#detail-facts", Static).update(self._facts(self.task_data))

    def _facts(self, task: Task) -> Content:
        now = self.clock()
        elapsed = task_elapsed(task, now)
        due_in = task_due_in(task, now)
        due = _when(task.get("run_at")) + (f" ({format_due(due_in)})" if due_in else "")
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
            ("due", due),
            ("attempts", f"{task.get('attempts') or 0}/{task.get('max_attempts') or 1}"),
            ("reason", task.get("reason") or "—"),
            ("worker", task.get("worker") or "—"),
            ("class", f"{task.get('task_class') or '—'}  timeout {task.get('timeout')} s"),
            ("priority", str(task.get("priority", 0))),
        ]
        if task.get("depends_on"):
            rows.append(("depends on", ", ".join(map(self.name_of, task["depends_on"]))))
        if task.get("status") == "blocked":
            rows.append(("waits for", ", ".join(map(self.name_of, task.get("blocked_by") or ()))))
        if task.get("unique_key"):
            rows.append(("unique key", task["unique_key"]))
        if task.get("role"):
            rows.append(("role", task["role"]))
        parts: list[str | tuple[str, str]] = []
        optional = ("due", "reason")  # shown only when the task has one
        for label, value in rows:
            if label in optional and value == "—":
                continue
            parts += [(f"{label:>13} ", "$text-muted"), f"{value}\n"]
        return Content.assemble(*parts).rstrip()

    def _set_block(self, selector: str, value: Any) -> None:
        block = self.query_one(selector, Static)
        block.update("—" if value in (None, "") else pretty_json(value))
