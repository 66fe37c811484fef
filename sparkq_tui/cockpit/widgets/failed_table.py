"""The Failed view's table: failed tasks with their queue, reason, attempts, time and error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.state import parse_time
from sparkq_tui.cockpit.widgets.entity_list import EntityList

ERROR_WIDTH = 60


def one_line(text: str | None, width: int = ERROR_WIDTH) -> str:
    """The first ``width`` characters of ``text`` on one line."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class FailedTable(EntityList):
    """One row per failed task, keyed by task id."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("failed")

    def __init__(self) -> None:
        super().__init__("Failed", id="failed-tasks")

    def on_mount(self) -> None:
        for title, key in (
            ("ID", "id"),
            ("Queue", "queue"),
            ("Reason", "reason"),
            ("Try", "attempts"),
            ("Failed at", "finished"),
            ("Error", "error"),
        ):
            self.add_column(title, key=key)

    def row_cells(self, entity: dict[str, Any]) -> Sequence[str | Text]:
        finished = parse_time(entity.get("finished_at") or entity.get("updated_at"))
        when = finished.astimezone().strftime("%m-%d %H:%M:%S") if finished else "—"
        attempts = f"{entity.get('attempts') or 0}/{entity.get('max_attempts') or 1}"
        return [
            Text(entity.get("friendly_id") or entity["id"]),
            Text(entity.get("queue_name") or entity.get("queue_id") or ""),
            Text(entity.get("reason") or "error", style="bold"),
            Text(attempts),
            Text(when, style="dim"),
            Text(one_line(entity.get("error"))),
        ]
