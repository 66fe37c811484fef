"""The database: one writer task with group commit, and a read-only connection.

Store functions are plain synchronous functions of a ``Tx`` (writes) or a connection (reads).
The writer task takes every write request waiting in its queue and applies them as one group:
BEGIN IMMEDIATE, one SAVEPOINT per operation (so one refusal does not undo its neighbours),
COMMIT; only then are the callers answered and the events published.

Writes run on the event loop's own thread; reads run in aiosqlite's thread, so a long read
(a search over a million rows) never stalls the socket."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from sparkq_daemon import clock as wall
from sparkq_daemon.clock import Clock
from sparkq_daemon.errors import Internal, RpcError
from sparkq_daemon.store.sqlite import catalog as catalog_store
from sparkq_daemon.store.sqlite import webhook_outbox
from sparkq_daemon.store.sqlite.schema import migrate
from sparkq_daemon.store.sqlite.tx import Catalog, Counters, DueHint, Group, Tx

log = logging.getLogger("sparkq.store")
MAX_GROUP = 1024
GATHER_ROUNDS = 3  # loop turns a group waits for requests already on their way
GATHER_WAIT = 0.0005  # seconds a group may wait for the previous group's clients to return


def telemetry(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a write of live telemetry (progress, live output): a group of only such writes
    commits without waiting for its fsync (``synchronous=NORMAL`` in WAL: still atomic, made
    durable by the next full commit; a power cut may lose only the latest telemetry).
    Measured: 1 000 progress reports a second otherwise kept the loop in fsync."""
    fn.telemetry = True  # type: ignore[attr-defined]
    return fn


@dataclass(slots=True)
class _Op:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: asyncio.Future[Any]


def _hop(conn: aiosqlite.Connection, fn: Callable[..., Any], *args: Any) -> Any:
    # aiosqlite's _execute runs one callable in its thread: one hop for a whole read
    # instead of one per statement (80–105 µs each here). It is private, so it sits here alone.
    return conn._execute(fn, *args)


class Database:
    """Owns the SQLite file: ``write(fn, *args)`` and ``read(fn, *args)``."""

    def __init__(self, path: Path, synchronous: str = "FULL", clock: Clock | None = None) -> None:
        self.path = path
        self.synchronous = synchronous
        # Looked up when the store is made, not imported: a test may pin sparkq_daemon.clock.now.
        self.clock = clock or wall.now  # each group commit reads it once: one time for all
        self.catalog = Catalog()
        self.counters = Counters()
        self.due = DueHint()  # lets claims skip due promotion while nothing can be due
        self.on_commit: Callable[[list[dict[str, Any]]], None] = lambda events: None
        # Called inside each group's transaction after its operations (see claims.py).
        self.handoff: Callable[[Tx, list[dict[str, Any]]], list[tuple[Any, Any]]] | None = None
        self._queue: asyncio.Queue[_Op | None] = asyncio.Queue()
        self._wconn: sqlite3.Connection | None = None
        self._rconn: aiosqlite.Connection | None = None
        self._writer: asyncio.Task[None] | None = None
        self._last_group = 0

    async def open(self) -> None:
        """Open both connections, set the pragmas, migrate, load the catalogue."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._wconn = sqlite3.connect(self.path, isolation_level=None)
            self._prepare_writer(self._wconn)
            self._rconn = await aiosqlite.connect(
                f"file:{self.path}?mode=ro", uri=True, isolation_level=None
            )
            await _hop(self._rconn, self._prepare_reader, self._rconn._conn)
            self.catalog = await self.read(catalog_store.load)
            self.counters.next_seq = await self.read(_next_task_seq)
        except BaseException:
            await self.close()
            raise
        self._writer = asyncio.create_task(self._write_loop(), name="sparkq-writer")

    def _prepare_writer(self, conn: sqlite3.Connection) -> None:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -16000")
        migrate(conn)

    @staticmethod
    def _prepare_reader(conn: sqlite3.Connection) -> None:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA cache_size = -16000")

    async def close(self) -> None:
        """Finish every queued write, then close both connections."""
        if self._writer is not None:
            await self._queue.put(None)
            await self._writer
            self._writer = None
        if self._rconn is not None:
            await self._rconn.close()
            self._rconn = None
        if self._wconn is not None:
            self._wconn.close()
            self._wconn = None

    async def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(tx, *args)`` in the next group commit; return its result after COMMIT."""
        if self._writer is None:
            raise Internal("the store is closed")
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Op(fn, args, future))
        return await future

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(conn, *args)`` on the read-only connection."""
        assert self._rconn is not None
        return await _hop(self._rconn, fn, self._rconn._conn, *args)

    async def backup_to(self, target: Path) -> None:
        """Copy the database to ``target`` with SQLite's online backup API."""
        assert self._rconn is not None
        await _hop(self._rconn, _backup, self._rconn._conn, str(target))

    def _take(self, group: list[_Op]) -> bool:
        """Move waiting requests into ``group``; False once the stop marker is seen."""
        while len(group) < MAX_GROUP and not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                return False
            group.append(item)
        return True

    async def _gather(self, group: list[_Op]) -> bool:
        """Let requests already on their way join this commit: one fsync for all of them.

        A few idle loop turns catch those already read. When the last group was larger, the
        writer keeps turning the loop for up to GATHER_WAIT until as many have come: the
        clients it just answered are sending their next ones (PostgreSQL's commit_delay).
        Loop turns, not a timer: the loop's timers are only millisecond-precise."""
        running = self._take(group)
        for _ in range(GATHER_ROUNDS):
            if not running:
                return False
            await asyncio.sleep(0)
            running = self._take(group)
        if running and len(group) < self._last_group:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GATHER_WAIT
            while running and len(group) < self._last_group and loop.time() < deadline:
                await asyncio.sleep(0)
                running = self._take(group)
        self._last_group = len(group)
        return running

    async def _write_loop(self) -> None:
        assert self._wconn is not None
        running = True
        while running:
            first = await self._queue.get()
            if first is None:
                break
            group = [first]
            running = await self._gather(group)
            # Applied on this thread: measured here, a hop to a worker thread and back cost
            # more per group (thread wake-ups, GIL hand-off) than the fsync it would overlap.
            try:
                outcomes, served, events = self._apply(self._wconn, group)
            except Exception as exc:  # the connection itself failed: answer everyone
                log.exception("group commit failed")
                outcomes = [(False, Internal(f"the store failed: {exc}"), None)] * len(group)
                served, events = [], []
            for op, (ok, value, _) in zip(group, outcomes, strict=True):
                if op.future.done():
                    continue
                if ok:
                    op.future.set_result(value)
                else:
                    op.future.set_exception(value)
            for future, value in served:
                if future.done():
                    continue
                if isinstance(value, BaseException):
                    future.set_exception(value)
                else:
                    future.set_result(value)
            if events:
                self.on_commit(events)

    def _apply(
        self, conn: sqlite3.Connection, group: list[_Op]
    ) -> tuple[list[tuple[bool, Any, Any]], list[tuple[Any, Any]], list[dict[str, Any]]]:
        """Apply a group in one transaction: (per-op outcomes, served hand-offs, events).

        Operations first run without savepoints; if one refuses, the transaction is rolled
        back and the group runs again with a savepoint around each operation. Refusals are
        rare on the hot paths, and two statements per operation are saved everywhere else."""
        ts, now = self.clock()
        relaxed = self.synchronous in ("FULL", "EXTRA") and all(
            getattr(op.fn, "telemetry", False) for op in group
        )
        if relaxed:  # set outside the transaction: SQLite refuses it inside
            conn.execute("PRAGMA synchronous = NORMAL")
        try:
            return self._apply_group(conn, group, ts, now)
        finally:
            if relaxed:
                conn.execute(f"PRAGMA synchronous = {self.synchronous}")

    def _apply_group(
        self, conn: sqlite3.Connection, group: list[_Op], ts: float, now: str
    ) -> tuple[list[tuple[bool, Any, Any]], list[tuple[Any, Any]], list[dict[str, Any]]]:
        conn.execute("BEGIN IMMEDIATE")
        shared = Group()
        outcomes = self._run_ops(conn, group, ts, now, shared, isolate=False)
        if outcomes is None:
            conn.execute("ROLLBACK")
            self.catalog = catalog_store.load(conn)
            self.due.forget()
            conn.execute("BEGIN IMMEDIATE")
            shared = Group()
            outcomes = self._run_ops(conn, group, ts, now, shared, isolate=True)
            assert outcomes is not None
        events = [e for ok, _, op_events in outcomes if ok for e in op_events]
        served: list[tuple[Any, Any]] = []
        if self.handoff is not None:
            tx = Tx(conn, ts, now, self.catalog, self.counters, group=shared, due=self.due)
            served = self.handoff(tx, events)
            tx.settle()
            events.extend(tx.events)
        try:
            if events:  # the webhooks' deliveries commit with their events
                webhook_outbox.write(conn, self.catalog, now, events)
            shared.flush(conn)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.exception("COMMIT failed")
            conn.execute("ROLLBACK")
            self.catalog = catalog_store.load(conn)
            self.due.forget()
            failure = Internal(f"the commit failed: {exc}")
            return (
                [(False, failure, None)] * len(group),
                [(future, failure) for future, _ in served],
                [],
            )
        return outcomes, served, events

    def _run_ops(
        self,
        conn: sqlite3.Connection,
        group: list[_Op],
        ts: float,
        now: str,
        shared: Group,
        *,
        isolate: bool,
    ) -> list[tuple[bool, Any, Any]] | None:
        """Run each operation; None when one fails and ``isolate`` is off."""
        outcomes: list[tuple[bool, Any, Any]] = []
        for op in group:
            tx = Tx(conn, ts, now, self.catalog, self.counters, group=shared, due=self.due)
            if isolate:
                # Earlier operations' counts go in first: a ROLLBACK TO must not undo them.
                shared.flush_counts(conn)
                conn.execute("SAVEPOINT op")
            try:
                value = op.fn(tx, *op.args)
            except Exception as exc:
                if not isolate:
                    return None
                conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
                shared.forget_queues()
                if not isinstance(exc, RpcError):
                    log.error("internal error in %s", op.fn.__name__, exc_info=exc)
                    exc = Internal(f"internal error in {op.fn.__name__}: {exc}")
                outcomes.append((False, exc, None))
            else:
                if isolate:
                    conn.execute("RELEASE op")
                tx.settle()
                outcomes.append((True, value, tx.events))
        return outcomes


def _next_task_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks").fetchone()[0]


def _backup(conn: sqlite3.Connection, target: str) -> None:
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
