"""The keys of the cockpit, on ``?``: built from the action table."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from sparkq_tui.cockpit.actions import help_text

HELP_TEXT = help_text()


class HelpScreen(ModalScreen[None]):
    """Every key of the cockpit, scrollable when the terminal is short."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            yield Static(HELP_TEXT.rstrip())

    def on_mount(self) -> None:
        self.watch(self.query_one(VerticalScroll), "scroll_y", self._show_scroll_hint)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_scroll_hint)

    def _show_scroll_hint(self) -> None:
        """Say so in the bottom border while there is more below than the screen shows."""
        scroll = self.query_one(VerticalScroll)
        more = scroll.scroll_y < scroll.max_scroll_y
        scroll.border_subtitle = "↓ more below (↓ PgDn) · esc closes" if more else "esc closes"

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
