"""The cockpit's keys: ONE table of actions, from which the key bindings of every pane and
screen, the footer, the command palette, the help screen and the README's keys table are built.

A row says which key runs which action, where it applies (a pane or a screen), whether the
footer shows it there, what the palette and the help call it, and what it runs: an action of
the App (``app.…``, implemented in ``operations.py`` and ``app.py``) or of the widget itself.
Rows marked ``native`` are bound by Textual or by the widget (Tab between panes, the command
palette, moving in the table): the table lists them so help and README tell the whole story.
Keys that only work inside an input or a dialog (Tab in quick-add, ``y``/``n`` in a question)
stay with that widget.

No Textual import here beyond ``Binding``: the table is plain data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

Scope = Literal[
    "everywhere", "tasks", "queues", "sessions", "detail", "workers", "failed", "schedules"
]
SCOPES: tuple[Scope, ...] = (
    "everywhere",
    "tasks",
    "queues",
    "sessions",
    "detail",
    "workers",
    "failed",
    "schedules",
)
SCOPE_TITLES: dict[Scope, str] = {
    "everywhere": "Everywhere",
    "tasks": "Tasks",
    "queues": "Queues",
    "sessions": "Sessions",
    "detail": "Task detail",
    "workers": "Workers",
    "failed": "Failed view",
    "schedules": "Schedules",
}
KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
    "up": "↑",
    "down": "↓",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
}


@dataclass(frozen=True)
class Action:
    """One thing a user can do, and every place it shows."""

    key: str  # Textual key names, comma-separated: "escape,backspace"
    action: str  # what it runs: an action name, "app." for the App's actions
    label: str  # the footer's word
    title: str  # the command palette's and help screen's name
    help: str  # one line: what it does
    where: tuple[Scope, ...]  # the panes and screens it applies in
    footer: tuple[Scope, ...] | None = (
        None  # where the footer shows it (None: everywhere it applies)
    )
    palette: bool = True  # offered in the command palette
    native: bool = False  # bound by Textual or the widget, listed for help and README only
    more: tuple[str, ...] = ()  # extra help lines (syntax, examples)

    @property
    def keys(self) -> list[str]:
        return self.key.split(",")

    @property
    def key_display(self) -> str:
        return " / ".join(KEY_NAMES.get(k, k) for k in self.keys)

    @property
    def method(self) -> str:
        """The action's name without its namespace (``app.claim_task`` → ``claim_task``)."""
        return self.action.rpartition(".")[2]

    def shown_in(self, scope: Scope) -> bool:
        return scope in (self.where if self.footer is None else self.footer)


TASK = ("tasks", "detail")

ACTIONS: tuple[Action, ...] = (
    # ----- everywhere -------------------------------------------------------------------------
    Action(
        "a",
        "app.quick_add",
        "Add",
        "Quick-add task",
        "quick-add a task to the selected queue",
        ("everywhere",),
        more=(
            "text → the tool shown · /name text → prompt template",
            "!script → run-bash · #key text → with that unique key",
            "Tab / shift+Tab: tool · Esc closes",
        ),
    ),
    Action(
        "slash",
        "app.filter",
        "Filter",
        "Filter tasks",
        "filter tasks: words and status:queued|running|succeeded|failed",
        ("everywhere",),
        more=("(is: works too; abbreviated and combined: status:run,fail)",),
    ),
    Action(
        "tab,shift+tab",
        "app.focus_next",
        "Next pane",
        "Next pane",
        "next / previous pane",
        ("everywhere",),
        palette=False,
        native=True,
    ),
    Action(
        "F",
        "app.failed_view",
        "Failed",
        "Failed tasks",
        "the Failed view: the selected queue's failed tasks and why",
        ("everywhere", "tasks"),
        footer=("tasks",),  # the other panes' footers are full at 80 columns
        more=("(v there: every queue's; F again closes it)",),
    ),
    Action(
        "t", "app.next_theme", "Theme", "Next theme", "next theme (remembered)", ("everywhere",)
    ),
    Action(
        "ctrl+p",
        "app.command_palette",
        "palette",
        "Command palette",
        "command palette: every action, by name",
        ("everywhere",),
        palette=False,
        native=True,
    ),
    Action(
        "W",
        "app.workers",
        "Workers",
        "Workers",
        "workers: the runners connected, what each runs, since when",
        ("everywhere",),
        footer=(),
    ),
    Action(
        "S",
        "app.open_schedules",
        "Schedules",
        "Schedules",
        "schedules: their next runs; pause, resume, run now, delete",
        ("everywhere",),
        footer=(),
    ),
    Action("question_mark", "app.help", "Help", "Help", "help: every key", ("everywhere",)),
    Action("q", "app.quit", "Quit", "Quit", "quit", ("everywhere",), palette=False),
    # ----- the task detail's own ------------------------------------------------------------
    Action(
        "escape,backspace",
        "app.pop_screen",
        "Back",
        "Back",
        "back to the panes (the task keys work here too)",
        ("detail", "workers", "schedules"),
        palette=False,
    ),
    # ----- tasks (the table and the detail) ---------------------------------------------------
    Action(
        "enter",
        "app.open_task",
        "Open",
        "Open task",
        "open the task: payload, result, output, timings, timeline",
        ("tasks", "failed"),
    ),
    Action("c", "app.claim_task", "Claim", "Claim task", "claim the task", TASK),
    Action(
        "d",
        "app.complete_task",
        "Done",
        "Complete task",
        "complete (asks for a result: JSON or text)",
        TASK,
    ),
    Action("f", "app.fail_task", "Fail", "Fail task", "fail (asks why)", TASK),
    Action("r", "app.requeue_task", "Requeue", "Requeue task", "requeue", TASK),
    Action(
        "R",
        "app.rerun_task",
        "Rerun",
        "Rerun task",
        "rerun as a new task",
        TASK,
        footer=("detail",),
    ),
    Action(
        "C",
        "app.cancel_task",
        "Cancel",
        "Cancel task",
        "cancel a queued, scheduled or running task (asks first)",
        TASK,
        footer=("detail",),
    ),
    Action("x", "app.delete_task", "Delete", "Delete task", "delete (asks first)", TASK),
    Action(
        "up,down,pageup,pagedown,home,end",
        "cursor_up",
        "Move",
        "Move",
        "move (also j k g G)",
        ("tasks",),
        palette=False,
        native=True,
    ),
    # ----- queues -----------------------------------------------------------------------------
    Action("n", "app.new_queue", "New queue", "New queue", "new queue", ("queues",)),
    Action("e", "app.end_queue", "End", "End queue", "end (asks first)", ("queues",)),
    Action(
        "p",
        "app.toggle_pause_queue",
        "Pause/resume",
        "Pause or resume queue",
        "pause / resume",
        ("queues",),
    ),
    Action(
        "A",
        "app.toggle_archive_queue",
        "Archive",
        "Archive or unarchive queue",
        "archive / unarchive",
        ("queues",),
    ),
    Action(
        "x",
        "app.delete_queue",
        "Delete",
        "Delete queue",
        "delete with its tasks (asks first)",
        ("queues",),
        footer=(),
    ),
    # ----- the schedules view -----------------------------------------------------------------
    Action(
        "p",
        "app.toggle_schedule",
        "Pause/resume",
        "Pause or resume schedule",
        "pause / resume the schedule",
        ("schedules",),
        palette=False,
    ),
    Action(
        "r",
        "app.run_schedule",
        "Run now",
        "Run schedule now",
        "run it now, once (its next run stays)",
        ("schedules",),
        palette=False,
    ),
    Action(
        "x",
        "app.delete_schedule",
        "Delete",
        "Delete schedule",
        "delete the schedule (asks first; its tasks stay)",
        ("schedules",),
        palette=False,
    ),
    # ----- sessions ---------------------------------------------------------------------------
    Action("n", "app.new_session", "New session", "New session", "new session", ("sessions",)),
    Action(
        "e",
        "app.end_session",
        "End",
        "End session",
        "end with its queues (asks first)",
        ("sessions",),
    ),
    Action(
        "x",
        "app.delete_session",
        "Delete",
        "Delete session",
        "delete with its queues and tasks (asks first)",
        ("sessions",),
    ),
    # ----- the Failed view --------------------------------------------------------------------
    Action(
        "R",
        "app.redrive_failed",
        "Redrive",
        "Redrive failed tasks",
        "requeue every failed task shown (asks first, naming how many)",
        ("failed",),
    ),
    Action(
        "v",
        "app.toggle_failed_scope",
        "This/all queues",
        "Failed: this queue or every queue",
        "show the selected queue's failed tasks, or every queue's",
        ("failed",),
    ),
    Action(
        "escape",
        "app.pop_screen",
        "Back",
        "Back",
        "back to the panes",
        ("failed",),
        palette=False,
    ),
)


def actions_in(scope: Scope) -> list[Action]:
    """The actions that apply in ``scope``, in table order."""
    return [a for a in ACTIONS if scope in a.where]


def bindings(scope: Scope) -> list[Binding]:
    """The key bindings of a pane or screen (native rows are bound elsewhere)."""
    return [
        Binding(a.key, a.action, a.label, show=a.shown_in(scope))
        for a in actions_in(scope)
        if not a.native
    ]


def palette_actions() -> list[Action]:
    """What the command palette offers, each action once."""
    return [a for a in ACTIONS if a.palette and not a.native]


def help_sections() -> Iterator[tuple[str, list[Action]]]:
    """The help screen's sections: a title and the actions listed under it.

    An action that applies in several places is listed where it first applies; the task
    detail's section then says the task keys work there too."""
    listed: set[int] = set()
    for scope in SCOPES:
        rows = [a for a in actions_in(scope) if id(a) not in listed]
        listed.update(id(a) for a in rows)
        if rows:  # a screen whose keys are all listed before (Workers) needs no section
            yield SCOPE_TITLES[scope], rows


def help_lines(action: Action) -> list[str]:
    """An action's lines in the help screen: key, what it does, then its extra lines."""
    lines = [f"  {action.key_display:<9} {action.help}"]
    lines += [f"  {'':<9}   {line}" for line in action.more]
    return lines


def help_text() -> str:
    """The help screen's text (Rich markup for the section titles)."""
    out: list[str] = []
    for title, rows in help_sections():
        out.append(f"[b]{title}[/b]")
        for action in rows:
            out += help_lines(action)
        out.append("")
    return "\n".join(out).rstrip()


def readme_rows() -> list[str]:
    """The README's keys table, one row per action (markdown)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| where | key | does |", "| --- | --- | --- |"]
    for title, actions in help_sections():
        for i, action in enumerate(actions):
            keys = " ".join(f"`{KEY_NAMES.get(k, k)}`" for k in action.keys)
            does = "; ".join((action.help, *action.more))
            rows.append(f"| {title if i == 0 else ''} | {keys} | {cell(does)} |")
    return rows
