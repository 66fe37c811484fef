"""The context a store function runs in: the connection, one timestamp for the whole group
commit, the in-memory catalogue, and the events to publish once the commit succeeds."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Catalog:
    """Tools and task classes, cached so that an enqueue needs no extra lookups."""

    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    task_classes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Counters:
    """The next task row number: the writer hands them out, so ids need no second index."""

    next_seq: int = 1

    def take(self, n: int) -> int:
        first = self.next_seq
        self.next_seq += n
        return first


@dataclass
class Group:
    """State shared by the operations of one group commit: queue rows already looked up,
    and friendly-id numbers handed out (written back once, just before COMMIT)."""

    queues: dict[str, sqlite3.Row] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)

    def forget_queues(self) -> None:
        """Call after changing any queue row: later operations read it afresh."""
        self.queues.clear()

    def flush(self, conn: sqlite3.Connection) -> None:
        if self.numbers:
            conn.executemany(
                "UPDATE queues SET next_number = ? WHERE id = ?",
                [(n, qid) for qid, n in self.numbers.items()],
            )
            self.numbers.clear()


@dataclass(slots=True)
class Tx:
    conn: sqlite3.Connection
    ts: float
    now: str
    catalog: Catalog
    counters: Counters = field(default_factory=Counters)
    group: Group = field(default_factory=Group)
    events: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, topic: str, type_: str, **fields: Any) -> None:
        """Queue an event; it is published only if this operation commits."""
        self.events.append({"topic": topic, "type": type_, **fields, "at": self.now})
