"""The Sessions pane: every session, active first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.widgets.entity_list import EntityList


class SessionList(EntityList):
    """Sessions with their status; the selected one scopes the Queues pane."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("sessions")

    def __init__(self, *, id: str | None = "sessions") -> None:
        super().__init__("Sessions", id=id)

    def on_mount(self) -> None:
        self.add_column("Name", key="name")
        self.add_column("", key="status")

    def row_cells(self, entity: dict[str, Any]) -> Sequence[str | Text]:
        ended = entity.get("status") == "ended"
        name = Text(entity.get("name", ""), style="dim" if ended else "")
        return [name, Text("ended" if ended else "", style="dim")]
