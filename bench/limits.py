"""The physical limit on this machine: raw stdlib sqlite3 on SparkQ's own schema in this
process, and a raw NDJSON echo over a Unix socket (asyncio + orjson, server in a subprocess).

Run as ``python -m bench.limits --echo-server PATH`` it is that echo server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson

from bench.budget import Deadline
from bench.ndjson import STREAM_LIMIT, RpcConnection
from bench.sizes import Sizes
from bench.stats import Figure, percentile
from sparkq_daemon.store.sqlite.schema import migrate

GROUP = "limit"
NOW = "2026-01-01T00:00:00.000000+00:00"
INSERT = (
    "INSERT INTO tasks (id, friendly_id, queue_id, tool, task_class, payload, status, priority, "
    "timeout, created_at, updated_at) VALUES (?, ?, 'que_b', 'run-bash', 'FAST_SCRIPT', ?, "
    "'queued', 0, 120, ?, ?)"
)
# The daemon's claim and complete statements, minus its Python around them.
CLAIM = (
    "UPDATE tasks SET status = 'running', worker = 'w', claimed_at = ?, heartbeat_at = NULL, "
    "beat = 0, attempts = attempts + 1, updated_at = ?, stale_warned_at = NULL, "
    "finished_at = NULL, result = NULL, error = NULL WHERE seq = (SELECT seq FROM tasks WHERE "
    "queue_id = 'que_b' AND status = 'queued' ORDER BY priority DESC, seq LIMIT 1) RETURNING seq"
)
COMPLETE = (
    "UPDATE tasks SET status = 'succeeded', result = NULL, finished_at = ?, updated_at = ? "
    "WHERE seq = ? AND status = 'running'"
)
PAYLOAD = '{"script":"echo hello"}'


@contextlib.contextmanager
def fresh_store(synchronous: str) -> Iterator[sqlite3.Connection]:
    """A new database in a temp folder with SparkQ's schema, one session and one queue."""
    folder = Path(tempfile.mkdtemp(prefix="sqbl", dir="/tmp"))
    conn = sqlite3.connect(folder / "limit.db", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        conn.execute(
            "INSERT INTO sessions (id, name, created_at, updated_at) VALUES ('ses_b','b',?,?)",
            (NOW, NOW),
        )
        conn.execute(
            "INSERT INTO queues (id, session_id, name, prefix, created_at, updated_at) "
            "VALUES ('que_b', 'ses_b', 'b', 'B', ?, ?)",
            (NOW, NOW),
        )
        yield conn
    finally:
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)


def _row(number: int) -> tuple[str, str, str, str, str]:
    return (f"tsk_{uuid.uuid4().hex}", f"B-{number:04d}", PAYLOAD, NOW, NOW)


def single_commits(count: int, synchronous: str, seconds: float) -> float:
    """Commits/s of one-row transactions."""
    with fresh_store(synchronous) as conn:
        deadline = Deadline(seconds)
        start = time.perf_counter()
        done = 0
        while done < count and not deadline.passed():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(INSERT, _row(done))
            conn.execute("COMMIT")
            done += 1
        return done / (time.perf_counter() - start)


def batch_rows(transactions: int, seconds: float, rows: int = 1000) -> float:
    """Rows/s in transactions of ``rows`` rows (synchronous FULL)."""
    with fresh_store("FULL") as conn:
        deadline = Deadline(seconds)
        start = time.perf_counter()
        done = 0
        while done < transactions and not deadline.passed():
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT, [_row(done * rows + i) for i in range(rows)])
            conn.execute("COMMIT")
            done += 1
        return done * rows / (time.perf_counter() - start)


def claim_complete_cycles(count: int, synchronous: str, seconds: float) -> float:
    """Cycles/s of claim (one transaction) then complete (another): two commits per cycle."""
    with fresh_store(synchronous) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, [_row(i) for i in range(count)])
        conn.execute("COMMIT")
        deadline = Deadline(seconds)
        start = time.perf_counter()
        done = 0
        while done < count and not deadline.passed():
            conn.execute("BEGIN IMMEDIATE")
            seq = conn.execute(CLAIM, (NOW, NOW)).fetchone()[0]
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(COMPLETE, (NOW, NOW, seq))
            conn.execute("COMMIT")
            done += 1
        return done / (time.perf_counter() - start)


def grouped_inserts(count: int, per_commit: int, seconds: float) -> float:
    """Rows/s when ``per_commit`` one-row inserts share a FULL transaction, each in its own
    SAVEPOINT: the ceiling of a perfect group commit for that many sequential clients."""
    with fresh_store("FULL") as conn:
        deadline = Deadline(seconds)
        start = time.perf_counter()
        done = 0
        while done < count and not deadline.passed():
            conn.execute("BEGIN IMMEDIATE")
            for _ in range(per_commit):
                conn.execute("SAVEPOINT op")
                conn.execute(INSERT, _row(done))
                conn.execute("RELEASE op")
                done += 1
            conn.execute("COMMIT")
        return done / (time.perf_counter() - start)


def grouped_cycles(count: int, runners: int, seconds: float) -> float:
    """Claim+complete cycles/s when ``runners`` claims share one FULL transaction and their
    completes the next: the ceiling of a perfect group commit for that many runners."""
    with fresh_store("FULL") as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, [_row(i) for i in range(count + runners)])
        conn.execute("COMMIT")
        deadline = Deadline(seconds)
        start = time.perf_counter()
        done = 0
        while done < count and not deadline.passed():
            conn.execute("BEGIN IMMEDIATE")
            claimed = [conn.execute(CLAIM, (NOW, NOW)).fetchone()[0] for _ in range(runners)]
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            for seq in claimed:
                conn.execute(COMPLETE, (NOW, NOW, seq))
            conn.execute("COMMIT")
            done += runners
        return done / (time.perf_counter() - start)


# ----- the socket echo ---------------------------------------------------------------------


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while line := await reader.readline():
        request = orjson.loads(line)
        writer.write(orjson.dumps({"jsonrpc": "2.0", "id": request.get("id"), "result": {}}))
        writer.write(b"\n")
        await writer.drain()
    writer.close()


async def _serve_echo(path: str) -> None:
    server = await asyncio.start_unix_server(_echo, path=path, limit=STREAM_LIMIT)
    async with server:
        await server.serve_forever()


def _accepts(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


@contextlib.contextmanager
def echo_server() -> Iterator[str]:
    """An echo server in a subprocess; yields its socket path."""
    folder = Path(tempfile.mkdtemp(prefix="sqbe", dir="/tmp"))
    path = str(folder / "e.sock")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "bench.limits", "--echo-server", path], env=env)
    try:
        deadline = time.monotonic() + 15
        # Ready once it accepts a connection: the socket file exists a moment before listen().
        while not _accepts(path):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the echo server did not start")
            time.sleep(0.01)
        yield path
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


async def _echo_sequential(path: str, count: int, seconds: float) -> tuple[float, list[float]]:
    conn = await RpcConnection.open(path)
    latencies: list[float] = []
    try:
        deadline = Deadline(seconds)
        start = time.perf_counter()
        while len(latencies) < count and not deadline.passed():
            sent = time.perf_counter()
            await conn.call("system.ping")
            latencies.append(time.perf_counter() - sent)
        elapsed = time.perf_counter() - start
    finally:
        await conn.close()
    return len(latencies) / elapsed, latencies


async def _echo_pipelined(path: str, count: int) -> float:
    conn = await RpcConnection.open(path)
    try:
        lines = [conn.encode("system.ping")[1] for _ in range(count)]
        start = time.perf_counter()
        await conn.pipeline(lines)
        return count / (time.perf_counter() - start)
    finally:
        await conn.close()


def measure(sizes: Sizes) -> list[Figure]:
    """Every limit figure, each run ``sizes.runs`` times."""
    runs = range(sizes.runs)
    figures = [
        Figure(
            "limit.commit_full",
            GROUP,
            "single-row commits, synchronous FULL",
            "commits/s",
            [single_commits(sizes.commits_full, "FULL", sizes.seconds) for _ in runs],
        ),
        Figure(
            "limit.commit_normal",
            GROUP,
            "single-row commits, synchronous NORMAL",
            "commits/s",
            [single_commits(sizes.commits_normal, "NORMAL", sizes.seconds) for _ in runs],
        ),
        Figure(
            "limit.batch_rows",
            GROUP,
            "1000-row transactions, FULL",
            "rows/s",
            [batch_rows(sizes.batch_transactions, sizes.seconds) for _ in runs],
        ),
        Figure(
            "limit.cycle_full",
            GROUP,
            "claim+complete cycles, FULL",
            "cycles/s",
            [claim_complete_cycles(sizes.cycles_full, "FULL", sizes.seconds) for _ in runs],
        ),
        Figure(
            "limit.cycle_normal",
            GROUP,
            "claim+complete cycles, NORMAL",
            "cycles/s",
            [claim_complete_cycles(sizes.cycles_normal, "NORMAL", sizes.seconds) for _ in runs],
        ),
    ]
    figures += [
        Figure(
            "limit.group_8",
            GROUP,
            "group commit ceiling: 8 one-row inserts per FULL transaction",
            "rows/s",
            [grouped_inserts(sizes.commits_full * 8, 8, sizes.seconds) for _ in runs],
        ),
        Figure(
            "limit.group_cycles_4",
            GROUP,
            "group commit ceiling: 4 claims, then 4 completes, per FULL transaction",
            "cycles/s",
            [grouped_cycles(sizes.cycles_full * 4, 4, sizes.seconds) for _ in runs],
        ),
    ]
    rates, p50s, p99s, piped = [], [], [], []
    with echo_server() as path:
        for _ in runs:
            rate, latencies = asyncio.run(
                _echo_sequential(path, sizes.echo_sequential, sizes.seconds)
            )
            rates.append(rate)
            p50s.append(percentile(latencies, 50) * 1000)
            p99s.append(percentile(latencies, 99) * 1000)
            piped.append(asyncio.run(_echo_pipelined(path, sizes.echo_pipelined)))
    figures += [
        Figure("limit.echo_seq", GROUP, "socket echo, sequential round trips", "req/s", rates),
        Figure(
            "limit.echo_p50",
            GROUP,
            "socket echo round trip p50",
            "ms",
            p50s,
            higher_is_better=False,
        ),
        Figure(
            "limit.echo_p99",
            GROUP,
            "socket echo round trip p99",
            "ms",
            p99s,
            higher_is_better=False,
        ),
        Figure("limit.echo_pipelined", GROUP, "socket echo, pipelined", "req/s", piped),
    ]
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--echo-server":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve_echo(sys.argv[2]))
    else:
        sys.exit("usage: python -m bench.limits --echo-server PATH")
