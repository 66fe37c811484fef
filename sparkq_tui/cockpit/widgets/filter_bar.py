"""The Tasks filter: free text plus ``status:NAME`` (``is:`` works too), applied as you type."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterInput(Input):
    """Hidden until ``/``; Enter or Escape gives the focus back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Back to tasks"),
        Binding("down", "done", "Back to tasks", show=False),
    ]

    DEFAULT_CSS = """
    FilterInput {
        display: none;
        border: none;
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    FilterInput.-open { display: block; }
    FilterInput:focus { border: none; }
    """

    def __init__(self, *, id: str | None = "task-filter") -> None:
        super().__init__(
            placeholder="filter: words · status:queued|running|succeeded|failed", id=id
        )

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def action_done(self) -> None:
        if not self.value:
            self.remove_class("-open")
        self.screen.query_one("TaskTable").focus()
