"""The PostgreSQL axis: on one throwaway server with PostgreSQL's default durability (fsync
on), the raw limit (bare asyncpg), procrastinate, and SparkQ's daemon on the PostgreSQL engine —
one daemon, and two daemons sharing the database. Skipped with a note when no PostgreSQL server
can be started (see tests/pg_cluster.py)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench import pg_limits, pg_peers
from bench.budget import Deadline
from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection, close_all
from bench.sizes import Sizes
from bench.sparkq_socket import (
    claim_latency,
    create_queue,
    drain,
    drain_claim_next,
    enqueue_batches,
    enqueue_concurrent,
    enqueue_sequential,
    fill,
    runner_claim_next,
)
from bench.stats import Figure, Target, percentile

LIMIT, PEER, SPARKQ = "pg limit", "pg peer", "sparkq pg"


@contextlib.contextmanager
def _server() -> Iterator[Any]:
    import pytest

    from tests.pg_cluster import pg_server

    try:
        with pg_server(durable=True) as server:
            yield server
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise RuntimeError(str(exc)) from None


def _daemon(url: str) -> BenchDaemon:
    return BenchDaemon(config={"database": {"url": url}})


def _on_fresh_database(server: Any, work: Callable[[str], Any]) -> Any:
    """``work(socket)`` against a new SparkQ daemon on a new PostgreSQL database."""
    with _daemon(server.create_database("sq")) as daemon:
        return asyncio.run(work(str(daemon.socket)))


async def _drain_two_daemons(paths: list[str], count: int, seconds: float) -> float:
    """Tasks/s of 4 runners, 2 on each daemon, draining one queue with claim_next."""
    setup = await RpcConnection.open(paths[0])
    await create_queue(setup)
    await fill(setup, count)
    await setup.close()
    conns = [await RpcConnection.open(paths[i % 2]) for i in range(4)]
    deadline = Deadline(seconds)
    start = time.perf_counter()
    done = await asyncio.gather(
        *(runner_claim_next(c, f"w{i}", deadline) for i, c in enumerate(conns))
    )
    elapsed = time.perf_counter() - start
    await close_all(conns)
    return sum(done) / elapsed


def _two_daemons(server: Any, count: int, seconds: float) -> float:
    url = server.create_database("sq2")
    with _daemon(url) as first, _daemon(url) as second:
        return asyncio.run(
            _drain_two_daemons([str(first.socket), str(second.socket)], count, seconds)
        )


def measure(sizes: Sizes) -> list[Figure]:
    s = sizes
    try:
        with _server() as server:
            return _measure(server, s)
    except RuntimeError as exc:
        note = f"no PostgreSQL server: {exc}"[:200]
        return [Figure("pglimit.cycle_4", LIMIT, "PostgreSQL", "", note=note)]


def _measure(server: Any, s: Sizes) -> list[Figure]:
    def raw(work: Callable[[str], Any]) -> list[float]:
        return [asyncio.run(work(server.create_database("raw"))) for _ in range(s.runs)]

    figures = [
        Figure(
            "pglimit.insert_8",
            LIMIT,
            "raw asyncpg: 1-row INSERT commits, 8 connections",
            "rows/s",
            raw(lambda u: pg_limits.insert_rate(u, 8, s.enqueue_concurrent, s.seconds)),
        ),
        Figure(
            "pglimit.cycle_4",
            LIMIT,
            "raw asyncpg: SKIP LOCKED claim + complete, 4 connections",
            "cycles/s",
            raw(lambda u: pg_limits.cycle_rate(u, 4, s.drain_tasks, s.seconds)),
        ),
    ]
    if pg_peers.available():
        figures += [
            Figure(
                "pgpeer.procrastinate.enqueue",
                PEER,
                "procrastinate: defer_async, 8 concurrent clients",
                "jobs/s",
                raw(lambda u: pg_peers.defer_rate(u, 8, s.enqueue_concurrent, s.seconds)),
            ),
            Figure(
                "pgpeer.procrastinate.drain",
                PEER,
                "procrastinate: worker, concurrency 4, no-op jobs",
                "jobs/s",
                raw(lambda u: pg_peers.worker_rate(u, min(s.drain_tasks, 2000), 4)),
            ),
        ]
    else:
        figures.append(
            Figure(
                "pgpeer.procrastinate.drain",
                PEER,
                "procrastinate",
                "jobs/s",
                note="not installed (pip install -e '.[bench]')",
            )
        )

    def sparkq(work: Callable[[str], Any]) -> list[float]:
        return [_on_fresh_database(server, work) for _ in range(s.runs)]

    figures += [
        Figure(
            "sparkqpg.enqueue_seq",
            SPARKQ,
            "SparkQ on PostgreSQL: enqueue, 1 client",
            "tasks/s",
            sparkq(lambda p: enqueue_sequential(p, s.enqueue_sequential, s.seconds)),
            limit_key="pglimit.insert_8",
        ),
        Figure(
            "sparkqpg.enqueue_8",
            SPARKQ,
            "SparkQ on PostgreSQL: enqueue, 8 clients",
            "tasks/s",
            sparkq(lambda p: enqueue_concurrent(p, s.enqueue_concurrent, s.seconds)),
            targets=[Target(3, "≥ 3× procrastinate", "pgpeer.procrastinate.enqueue")],
            limit_key="pglimit.insert_8",
        ),
        Figure(
            "sparkqpg.enqueue_batch",
            SPARKQ,
            "SparkQ on PostgreSQL: enqueue_batch of 1000",
            "tasks/s",
            sparkq(lambda p: enqueue_batches(p, s.enqueue_batches, s.seconds)),
        ),
        Figure(
            "sparkqpg.drain_4",
            SPARKQ,
            "SparkQ on PostgreSQL: drain, 4 runners (claim, then complete)",
            "cycles/s",
            sparkq(lambda p: drain(p, s.drain_tasks, 4, s.seconds)),
            limit_key="pglimit.cycle_4",
        ),
        Figure(
            "sparkqpg.drain_4_claim_next",
            SPARKQ,
            "SparkQ on PostgreSQL: drain, 4 runners, complete+claim_next",
            "tasks/s",
            sparkq(lambda p: drain_claim_next(p, s.drain_tasks, 4, s.seconds)),
            targets=[
                Target(5, "≥ 5× procrastinate", "pgpeer.procrastinate.drain"),
                Target(0.5, "≥ 0.5× limit", "pglimit.cycle_4"),
            ],
            limit_key="pglimit.cycle_4",
        ),
        Figure(
            "sparkqpg.drain_4_two_daemons",
            SPARKQ,
            "SparkQ on PostgreSQL, 2 daemons: drain, 2+2 runners, claim_next",
            "tasks/s",
            [_two_daemons(server, s.drain_tasks, s.seconds) for _ in range(s.runs)],
            limit_key="pglimit.cycle_4",
        ),
    ]
    p50s, p99s = [], []
    for _ in range(s.runs):
        latencies = _on_fresh_database(
            server, lambda p: claim_latency(p, s.latency_samples, s.seconds)
        )
        p50s.append(percentile(latencies, 50) * 1000)
        p99s.append(percentile(latencies, 99) * 1000)
    figures += [
        Figure(
            "sparkqpg.claim_p50",
            SPARKQ,
            "SparkQ on PostgreSQL: enqueue→claimed, waiting runner, p50",
            "ms",
            p50s,
            higher_is_better=False,
        ),
        Figure(
            "sparkqpg.claim_p99",
            SPARKQ,
            "SparkQ on PostgreSQL: enqueue→claimed, waiting runner, p99",
            "ms",
            p99s,
            higher_is_better=False,
        ),
    ]
    return figures
