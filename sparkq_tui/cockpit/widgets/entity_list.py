"""A row-cursor table of named things (sessions, queues) that keeps its selection by id
when it is refilled from fresh data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable


class EntityList(DataTable):
    """Rows keyed by the entity's id; ``fill`` replaces them and keeps the cursor's id."""

    DEFAULT_CSS = """
    EntityList {
        height: 1fr;
        border: round $foreground 25%;
        border-title-color: $foreground 70%;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    EntityList:focus { border: round $primary; border-title-color: $primary; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=False, show_cursor=True, cell_padding=1
        )
        self.border_title = title
        self.entities: dict[str, dict[str, Any]] = {}

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    @property
    def selected(self) -> dict[str, Any] | None:
        key = self.selected_id
        return None if key is None else self.entities.get(key)

    def row_cells(self, entity: dict[str, Any]) -> Sequence[str | Text]:
        raise NotImplementedError

    def fill(self, entities: Sequence[dict[str, Any]], select: str | None = None) -> None:
        """Replace the rows; keep the cursor on ``select`` or the previously selected id."""
        keep = select or self.selected_id
        fresh = {e["id"]: e for e in entities}
        if list(fresh) == list(self.entities) and self.row_count == len(fresh):
            self.entities = fresh
            for entity_id, entity in fresh.items():
                for column, value in zip(self.columns, self.row_cells(entity), strict=False):
                    self.update_cell(entity_id, column, value)
            if select and select in fresh:
                self.move_cursor(row=self.get_row_index(select))
            return
        self.entities = fresh
        with self.prevent(DataTable.RowHighlighted):
            self.clear()
            for entity_id, entity in fresh.items():
                self.add_row(*self.row_cells(entity), key=entity_id)
        if keep in fresh:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
        elif fresh:
            self.move_cursor(row=0, animate=False)
