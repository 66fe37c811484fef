"""The top line: the project, the daemon's connection state, counts per status, socket path
and clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from sparkq_tui.cockpit.state import STATUS_GLYPHS, STATUSES, utc_now

STATE_STYLES = {
    "connected": ("●", "$success"),
    "reconnecting": ("◌", "$warning"),
    "connecting": ("◌", "$warning"),
    "starting daemon": ("◌", "$warning"),
    "unavailable": ("✗", "$error"),
}

WIDE = 110  # below this width the counts drop their status words

STATUS_VARIABLES = {
    "queued": "$text-muted",
    "running": "$accent",
    "succeeded": "$success",
    "failed": "$error",
    "scheduled": "$secondary",
    "blocked": "$text-muted",
    "cancelled": "$text-muted",
}


class CockpitHeader(Widget):
    """One line that always says whether the cockpit is live."""

    DEFAULT_CSS = """
    CockpitHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    state: reactive[str] = reactive("connecting")
    counts: reactive[dict[str, int]] = reactive(dict, always_update=True)
    socket_path: reactive[str] = reactive("")
    project: reactive[str] = reactive("")  # project.name of the daemon's sparkq.yml

    def __init__(self, *, clock: Callable[[], datetime] = utc_now, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)

    def render(self) -> Content:
        glyph, variable = STATE_STYLES.get(self.state, ("?", "$warning"))
        parts: list[str | tuple[str, str]] = [
            (" SparkQ ", "bold"),
        ]
        if self.project:
            parts.append((f"· {self.project} ", "bold $accent"))
        parts.append((f"{glyph} {self.state}", variable))
        parts.append("  ")
        wide = self.size.width >= WIDE
        for status in STATUSES:
            parts.append((STATUS_GLYPHS[status], STATUS_VARIABLES[status]))
            parts.append(f" {self.counts.get(status, 0)}{' ' + status if wide else ''}  ")
        line = Content.assemble(*parts)
        clock = self.clock().astimezone().strftime("%H:%M:%S")
        room = self.size.width - line.cell_length - len(clock) - 3
        socket = self.socket_path
        if room > 8 and socket:
            shown = socket if len(socket) <= room else "…" + socket[-(room - 1) :]
            tail = Content.assemble((shown.ljust(room), "dim"), f"  {clock} ")
        else:
            tail = Content(" " * max(0, room) + f"  {clock} ")
        return (line + tail).truncate(self.size.width, ellipsis=True)
