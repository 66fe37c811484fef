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
    # The webhooks the outbox matches events against (None: read them at the next commit).
    webhooks: list[dict[str, Any]] | None = None


@dataclass
class Counters:
    """The next task row number: the writer hands them out, so ids need no second index."""

    next_seq: int = 1

    def take(self, n: int) -> int:
        first = self.next_seq
        self.next_seq += n
        return first


@dataclass
class DueHint:
    """The earliest time a scheduled task falls due or a waiting task expires, as far as the
    writer knows (None: no such task), so a claim skips due promotion until then. Writes
    only lower it; a promotion pass recounts it; a rollback forgets it (0: check)."""

    at: float | None = 0.0

    def lower(self, ts: float | None) -> None:
        if ts is not None and (self.at is None or ts < self.at):
            self.at = ts

    def forget(self) -> None:
        self.at = 0.0


CountKey = tuple[str, str]  # (queue id, task status)
UPSERT_COUNT = (
    "INSERT INTO queue_counts (queue_id, status, n) VALUES (?, ?, ?) "
    "ON CONFLICT (queue_id, status) DO UPDATE SET n = n + excluded.n"
)


@dataclass
class Group:
    """State shared by the operations of one group commit: queue rows already looked up,
    friendly-id numbers handed out and per-queue count changes (both written back once,
    just before COMMIT)."""

    queues: dict[str, sqlite3.Row] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    counts: dict[CountKey, int] = field(default_factory=dict)
    due_settled: bool = False  # due promotion and expiry already ran at this group's time
    # Queues a claim found at a limit: queue id -> (reason, when a slot opens or None);
    # read after the group to wake its waiting claims then (``standing.py``).
    limited: dict[str, tuple[str, float | None]] = field(default_factory=dict)

    def add_counts(self, deltas: dict[CountKey, int]) -> None:
        """Take in the count changes of an operation that succeeded."""
        for key, n in deltas.items():
            self.counts[key] = self.counts.get(key, 0) + n

    def forget_queues(self) -> None:
        """Call after changing any queue row: later operations read it afresh."""
        self.queues.clear()

    def flush_counts(self, conn: sqlite3.Connection) -> None:
        """Write the pending count changes (before anything in the group reads counts)."""
        changed = [(qid, status, n) for (qid, status), n in self.counts.items() if n]
        if changed:
            conn.executemany(UPSERT_COUNT, changed)
        self.counts.clear()

    def flush(self, conn: sqlite3.Connection) -> None:
        self.flush_counts(conn)
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
    due: DueHint = field(default_factory=DueHint)
    events: list[dict[str, Any]] = field(default_factory=list)
    # Count changes of this operation. Kept in Python and written once per group: measured,
    # a trigger on every status change added about a quarter to that change's SQL time.
    counts: dict[CountKey, int] = field(default_factory=dict)

    def moved(self, queue_id: str, old: str | None, new: str | None, n: int = 1) -> None:
        """Record ``n`` tasks of ``queue_id`` going from status ``old`` to ``new``."""
        if old is not None:
            self.counts[(queue_id, old)] = self.counts.get((queue_id, old), 0) - n
        if new is not None:
            self.counts[(queue_id, new)] = self.counts.get((queue_id, new), 0) + n

    def flush_counts(self) -> None:
        """Write every pending count change now: call before deleting tasks (the delete
        trigger needs the rows) or reading counts inside a write."""
        self.settle()
        self.group.flush_counts(self.conn)

    def settle(self) -> None:
        """Hand this operation's count changes to its group (it has succeeded)."""
        if self.counts:
            self.group.add_counts(self.counts)
            self.counts = {}

    def emit(self, topic: str, type_: str, **fields: Any) -> None:
        """Queue an event; it is published only if this operation commits."""
        self.events.append({"topic": topic, "type": type_, **fields, "at": self.now})
