"""Under the Queues: per queue of the selected session, a sparkline of the tasks finished
per minute over the last hour, the hour's count, and a mark when the queue's oldest queued
task has waited longer than its class's timeout."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline

OVERDUE_MARK = "⏰"


class ThroughputRow(Horizontal):
    """One queue: name, sparkline, count."""

    DEFAULT_CSS = """
    ThroughputRow { height: 1; }
    ThroughputRow > .name { width: 10; }
    ThroughputRow > Sparkline { width: 1fr; margin: 0 1; }
    ThroughputRow > .total { width: auto; min-width: 3; color: $foreground 70%; }
    ThroughputRow.-overdue > .name { color: $warning; text-style: bold; }
    """

    def __init__(self, queue: dict[str, Any]) -> None:
        super().__init__(id=f"throughput-{queue['id']}")
        self.queue_id = queue["id"]
        self.name_label = Label(classes="name")
        self.sparkline = Sparkline([], summary_function=max)
        self.total_label = Label(classes="total")
        self.update_from(queue)

    def compose(self) -> ComposeResult:
        yield self.name_label
        yield self.sparkline
        yield self.total_label

    def update_from(self, queue: dict[str, Any]) -> None:
        overdue = bool((queue.get("oldest_queued") or {}).get("overdue"))
        name = str(queue.get("name", ""))
        self.name_label.update(f"{OVERDUE_MARK}{name}" if overdue else name)
        self.set_class(overdue, "-overdue")
        self.sparkline.data = list(queue.get("counts") or [])
        self.total_label.update(str(queue.get("total", 0)))


class QueueThroughput(Vertical):
    """The rows of the selected session's queues (``queue.throughput``)."""

    DEFAULT_CSS = """
    QueueThroughput {
        height: auto;
        max-height: 9;
        border: round $foreground 25%;
        border-title-color: $foreground 70%;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="throughput")
        self.border_title = "Done / min · 1 h"
        self.rows: dict[str, ThroughputRow] = {}

    def show(self, queues: list[dict[str, Any]]) -> None:
        """Show ``queues`` (entries of ``queue.throughput``), in this order."""
        if [q["id"] for q in queues] == list(self.rows):
            for queue in queues:
                self.rows[queue["id"]].update_from(queue)
            return
        self.remove_children()
        self.rows = {q["id"]: ThroughputRow(q) for q in queues}
        self.mount_all(self.rows.values())
        self.display = bool(queues)

    def overdue(self) -> set[str]:
        """The ids of the queues marked overdue."""
        return {qid for qid, row in self.rows.items() if row.has_class("-overdue")}
