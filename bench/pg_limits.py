"""What PostgreSQL itself allows on this machine, from a bare asyncpg client: single-row insert
commits from 8 connections, and claim (``FOR UPDATE SKIP LOCKED``) + complete cycles from 4.
The same table shape and statements as SparkQ's PostgreSQL engine: the limit its rows are
divided by."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from bench.budget import Deadline

SCHEMA = """
DROP TABLE IF EXISTS raw_tasks;
CREATE TABLE raw_tasks (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id text NOT NULL,
    payload text,
    status text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    worker text,
    result text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX raw_tasks_claim ON raw_tasks (queue_id, priority DESC, seq)
    WHERE status = 'queued';
"""
INSERT = "INSERT INTO raw_tasks (queue_id, payload, status) VALUES ('q', $1, 'queued')"
CLAIM = """
WITH next AS MATERIALIZED (
    SELECT seq FROM raw_tasks WHERE queue_id = 'q' AND status = 'queued'
    ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED
)
UPDATE raw_tasks t SET status = 'running', worker = $1 FROM next WHERE t.seq = next.seq
RETURNING t.seq
"""
COMPLETE = (
    "UPDATE raw_tasks SET status = 'succeeded', result = '0', finished_at = now() "
    "WHERE seq = $1 AND status = 'running'"
)
PAYLOAD = '{"script": "echo hello"}'


async def insert_rate(url: str, connections: int, count: int, seconds: float) -> float:
    """Single-row INSERT commits/s from ``connections`` connections."""
    conns = [await asyncpg.connect(url) for _ in range(connections)]
    await conns[0].execute(SCHEMA)
    deadline = Deadline(seconds)

    async def loop(conn: asyncpg.Connection) -> int:
        done = 0
        while done < count // connections and not deadline.passed():
            await conn.execute(INSERT, PAYLOAD)
            done += 1
        return done

    start = time.perf_counter()
    done = await asyncio.gather(*(loop(c) for c in conns))
    elapsed = time.perf_counter() - start
    for conn in conns:
        await conn.close()
    return sum(done) / elapsed


async def cycle_rate(url: str, connections: int, count: int, seconds: float) -> float:
    """Claim + complete cycles/s from ``connections`` racing connections; checks that no
    row was claimed twice."""
    conns = [await asyncpg.connect(url) for _ in range(connections)]
    await conns[0].execute(SCHEMA)
    await conns[0].execute(
        "INSERT INTO raw_tasks (queue_id, payload, status) "
        "SELECT 'q', $1, 'queued' FROM generate_series(1, $2)",
        PAYLOAD,
        count,
    )
    await conns[0].execute("VACUUM ANALYZE raw_tasks")
    deadline = Deadline(seconds)

    async def worker(conn: asyncpg.Connection, name: str) -> list[int]:
        claimed: list[int] = []
        while not deadline.passed():
            seq = await conn.fetchval(CLAIM, name)
            if seq is None:
                break
            await conn.execute(COMPLETE, seq)
            claimed.append(seq)
        return claimed

    start = time.perf_counter()
    claimed = await asyncio.gather(*(worker(c, f"w{i}") for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - start
    every = [seq for mine in claimed for seq in mine]
    if len(every) != len(set(every)):
        raise RuntimeError("a row was claimed twice")
    for conn in conns:
        await conn.close()
    return len(every) / elapsed
