"""Peers on the same machine in the same run, in-process: huey (SqliteHuey), persist-queue
(SQLiteAckQueue), litequeue. A peer that is not installed gives empty rows with a note.

Defaults first; then the fastest setting that is still durable (synchronous FULL) where the
default is not. huey and persist-queue default to WAL + FULL already (SQLite's default)."""

from __future__ import annotations

import contextlib
import importlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from bench.budget import Deadline
from bench.sizes import Sizes
from bench.stats import Figure

GROUP = "peer"
PAYLOAD: dict[str, Any] = {"script": "echo hello"}
INSTALL_HINT = "not installed: pip install -e '.[bench]'"


@contextlib.contextmanager
def _folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="sqbp", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _rates(
    count: int, seconds: float, enqueue: Callable[[], None], take: Callable[[], bool]
) -> tuple[float, float]:
    """(enqueue/s, drain/s): up to ``count`` enqueues, then ``take`` until it reports empty
    (each phase stops early at ``seconds``)."""
    deadline = Deadline(seconds)
    start = time.perf_counter()
    enqueued = 0
    while enqueued < count and not deadline.passed():
        enqueue()
        enqueued += 1
    put_rate = enqueued / (time.perf_counter() - start)
    deadline = Deadline(seconds)
    start = time.perf_counter()
    drained = 0
    while not deadline.passed() and take():
        drained += 1
    elapsed = time.perf_counter() - start
    if not 0 < drained <= enqueued:
        raise RuntimeError(f"drained {drained} of {enqueued}")
    return put_rate, drained / elapsed


def huey_default(count: int, seconds: float) -> tuple[float, float]:
    from huey import SqliteHuey

    with _folder() as folder:
        huey = SqliteHuey("bench", filename=str(folder / "huey.db"))

        @huey.task()
        def job(payload: dict[str, Any]) -> None:
            return None

        def take() -> bool:
            task = huey.dequeue()
            if task is None:
                return False
            huey.execute(task)
            return True

        try:
            return _rates(count, seconds, lambda: job(PAYLOAD), take)
        finally:
            huey.storage.close()


def persist_queue_default(count: int, seconds: float) -> tuple[float, float]:
    import persistqueue

    with _folder() as folder:
        queue = persistqueue.SQLiteAckQueue(str(folder))

        def take() -> bool:
            try:
                item = queue.get(block=False, raw=True)
            except persistqueue.Empty:
                return False
            queue.ack(id=item["pqid"])
            return True

        try:
            return _rates(count, seconds, lambda: queue.put(PAYLOAD), take)
        finally:
            queue.close()


def _litequeue(count: int, seconds: float, synchronous: str | None) -> tuple[float, float]:
    from litequeue import LiteQueue

    with _folder() as folder:
        queue = LiteQueue(str(folder / "lite.db"))
        if synchronous:
            queue.conn.execute(f"PRAGMA synchronous = {synchronous}")
        data = orjson.dumps(PAYLOAD).decode()

        def take() -> bool:
            message = queue.pop()
            if message is None:
                return False
            queue.done(message.message_id)
            return True

        try:
            return _rates(count, seconds, lambda: queue.put(data), take)
        finally:
            queue.conn.close()


PEERS: list[tuple[str, str, str, Callable[[int, float], tuple[float, float]]]] = [
    # (key, module to import, label, measure)
    ("huey", "huey", "huey SqliteHuey, default (WAL, FULL)", huey_default),
    (
        "persistqueue",
        "persistqueue",
        "persist-queue SQLiteAckQueue, default (WAL, FULL)",
        persist_queue_default,
    ),
    (
        "litequeue",
        "litequeue",
        "litequeue, default (WAL, NORMAL)",
        lambda n, t: _litequeue(n, t, None),
    ),
    (
        "litequeue_full",
        "litequeue",
        "litequeue, durable (WAL, FULL)",
        lambda n, t: _litequeue(n, t, "FULL"),
    ),
]


def installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def measure(sizes: Sizes) -> list[Figure]:
    figures = []
    for key, module, label, run in PEERS:
        enqueue = Figure(f"peer.{key}.enqueue", GROUP, f"{label}: enqueue", "tasks/s")
        drain = Figure(f"peer.{key}.drain", GROUP, f"{label}: drain (get+ack)", "cycles/s")
        if not installed(module):
            enqueue.note = drain.note = INSTALL_HINT
        else:
            for _ in range(sizes.runs):
                put_rate, take_rate = run(sizes.peer_tasks, sizes.seconds)
                enqueue.runs.append(put_rate)
                drain.runs.append(take_rate)
        figures += [enqueue, drain]
    return figures


def best(figures: list[Figure], kind: str) -> Figure | None:
    """The fastest measured peer row of ``kind`` ("enqueue" or "drain")."""
    rows = [f for f in figures if f.group == GROUP and f.key.endswith(f".{kind}") and f.runs]
    return max(rows, key=lambda f: f.median, default=None)
