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


@dataclass(slots=True)
class Tx:
    conn: sqlite3.Connection
    ts: float
    now: str
    catalog: Catalog
    counters: Counters = field(default_factory=Counters)
    events: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, topic: str, type_: str, **fields: Any) -> None:
        """Queue an event; it is published only if this operation commits."""
        self.events.append({"topic": topic, "type": type_, **fields, "at": self.now})
