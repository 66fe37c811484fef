"""Ask for one line of text (a result, an error message, a name)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class TextPromptDialog(ModalScreen[str | None]):
    """Dismisses with the text on Enter, None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    TextPromptDialog { align: center middle; }
    TextPromptDialog > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: round $primary; background: $surface; padding: 1 2;
    }
    TextPromptDialog Label { margin-bottom: 1; }
    TextPromptDialog .hint { color: $text-muted; margin: 1 0 0 0; }
    """

    def __init__(
        self, title: str, *, value: str = "", placeholder: str = "", allow_empty: bool = False
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt_title, markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("Enter to confirm · Esc to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() or self.allow_empty:
            self.dismiss(event.value)
        else:
            self.notify("Type something first, or Esc to cancel.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
