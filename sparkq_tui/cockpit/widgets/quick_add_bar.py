"""Quick-add: a one-line input that enqueues into the selected queue; Tab cycles the tool."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

from sparkq_tui.cockpit.state import cycle
from sparkq_tui.model_choice import llm_tool_for


class QuickAddInput(Input):
    """The input of the quick-add bar: Tab / shift+Tab cycle the tool, Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "cycle_tool(1)", "Next tool", priority=True),
        Binding("shift+tab", "cycle_tool(-1)", "Previous tool", priority=True),
        Binding("escape", "close", "Close"),
    ]

    def action_cycle_tool(self, step: int) -> None:
        bar = self.parent
        if isinstance(bar, QuickAddBar):
            bar.cycle_tool(step)

    def action_close(self) -> None:
        bar = self.parent
        if isinstance(bar, QuickAddBar):
            bar.close()


class QuickAddBar(Horizontal):
    """Shows the tool and the target queue; posts ``Submitted`` with the typed line."""

    DEFAULT_CSS = """
    QuickAddBar {
        dock: bottom;
        height: 3;
        display: none;
        background: $panel;
        padding: 0 1;
    }
    QuickAddBar.-open { display: block; }
    QuickAddBar > Label { padding: 1 1 0 0; width: auto; }
    QuickAddBar > #quick-add-tool { color: $accent; text-style: bold; }
    QuickAddBar > QuickAddInput { width: 1fr; }
    """

    tool: reactive[str] = reactive("")
    target: reactive[str] = reactive("")

    class Submitted(Message):
        def __init__(self, bar: QuickAddBar, line: str, tool: str) -> None:
            super().__init__()
            self.bar = bar
            self.line = line
            self.tool = tool

    def __init__(self, *, id: str | None = "quick-add") -> None:
        super().__init__(id=id)
        self.tools: list[str] = []
        self.config: dict[str, Any] = {}  # config.get's sections: model_profiles, defaults

    def compose(self) -> ComposeResult:
        yield Label("", id="quick-add-target")
        yield Label("", id="quick-add-tool")
        yield QuickAddInput(
            placeholder="prompt · /template text · !bash script · #key text   (Tab: tool, Esc: close)",
            id="quick-add-input",
        )

    @property
    def input(self) -> QuickAddInput:
        return self.query_one(QuickAddInput)

    def set_tools(self, tools: list[str]) -> None:
        self.tools = tools
        if self.tool not in tools and tools:
            preferred = [t for t in tools if t.startswith("llm-")]
            self.tool = (preferred or tools)[0]

    def follow_queue(self, queue: dict[str, Any] | None) -> None:
        """Pick the LLM tool of ``queue``'s model profile (else ``defaults.model``), if any."""
        tool = llm_tool_for(queue, self.config)
        if tool in self.tools:
            self.tool = tool

    def cycle_tool(self, step: int = 1) -> None:
        if self.tools:
            self.tool = cycle(self.tools, self.tool, step)

    def watch_tool(self, tool: str) -> None:
        self.query_one("#quick-add-tool", Label).update(Content(f"[{tool}]" if tool else ""))

    def watch_target(self, target: str) -> None:
        self.query_one("#quick-add-target", Label).update(Content(f"→ {target}" if target else ""))

    def open(self) -> None:
        self.add_class("-open")
        self.input.focus()

    def close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed(self))

    class Closed(Message):
        def __init__(self, bar: QuickAddBar) -> None:
            super().__init__()
            self.bar = bar

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self, event.value, self.tool))
