"""The Queues pane: the selected session's queues with their state and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.queue_limits import limit_text
from sparkq_tui.cockpit.widgets.entity_list import EntityList

STATE_MARKS = {
    "active": "▶",
    "planned": "○",
    "idle": "·",
    "ended": "■",
    "archived": "▣",
}


class QueueList(EntityList):
    """Queues: name, a state mark (‖ when paused), queued/running counts, and why a claim
    would wait (paused, its concurrency, its rate) or its limits."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("queues")

    def __init__(self, *, id: str | None = "queues") -> None:
        super().__init__("Queues", id=id)

    def on_mount(self) -> None:
        self.add_column("Name", key="name")
        self.add_column("", key="state")
        self.add_column("Q/R", key="counts")
        self.add_column("Limit", key="limit")

    def row_cells(self, entity: dict[str, Any]) -> Sequence[str | Text]:
        status = entity.get("status", "")
        closed = status in ("ended", "archived")
        mark = "‖" if entity.get("paused") else STATE_MARKS.get(status, "?")
        counts = entity.get("counts") or {}
        numbers = f"{counts.get('queued', 0)}/{counts.get('running', 0)}"
        return [
            Text(entity.get("name", ""), style="dim" if closed else ""),
            Text(mark, style="dim" if closed else ""),
            Text(numbers, style="dim"),
            limit_text(entity),
        ]
