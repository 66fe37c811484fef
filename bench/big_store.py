"""A store of 1 000 000 tasks (fewer with --quick): the newest page of a queue, per-queue counts
and the daemon's memory after a restart on it.

The store is filled over the socket (task.enqueue_batch of 1000, a few in flight), so every row
is exactly what the daemon writes; it is built once per suite run and the daemon restarted on it
for each measured run."""

from __future__ import annotations

import asyncio
import time

from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection
from bench.sizes import Sizes
from bench.sparkq_socket import create_queue, fill
from bench.stats import Figure, Target, percentile

GROUP = "big store"
BIG = "big"
SMALL_QUEUES = 9
SMALL_TASKS = 100
PAGE = 100


async def build(path: str, tasks: int) -> float:
    """Fill the store; return the seconds it took."""
    conn = await RpcConnection.open(path)
    start = time.perf_counter()
    await create_queue(conn, BIG)
    await fill(conn, tasks, BIG)
    for number in range(SMALL_QUEUES):
        await create_queue(conn, f"small-{number}")
        await fill(conn, SMALL_TASKS, f"small-{number}")
    for _ in range(SMALL_TASKS):  # some history: finished tasks next to queued ones
        task = (await conn.call("task.claim", {"queue": BIG, "worker": "w"}))["task"]
        await conn.call("task.complete", {"id": task["id"], "result": 0})
    elapsed = time.perf_counter() - start
    await conn.close()
    return elapsed


async def _latencies(conn: RpcConnection, method: str, params: dict, count: int) -> list[float]:
    await conn.call(method, params)  # the first read after a restart warms the page cache
    out = []
    for _ in range(count):
        start = time.perf_counter()
        await conn.call(method, params)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def _query(path: str, count: int, tasks: int) -> tuple[list[float], list[float]]:
    conn = await RpcConnection.open(path)
    page = await conn.call("task.list", {"queue": BIG, "limit": PAGE})
    if page["total"] != tasks or len(page["tasks"]) != PAGE:
        raise RuntimeError(f"the big queue holds {page['total']} tasks, not {tasks}")
    listed = await _latencies(conn, "task.list", {"queue": BIG, "limit": PAGE}, count)
    counted = await _latencies(conn, "queue.list", {}, count)
    await conn.close()
    return listed, counted


def measure(sizes: Sizes) -> list[Figure]:
    n = sizes.big_store_tasks
    label = f"{n:,}".replace(",", " ")
    figures = {
        "list_p50": Figure(
            "store.list_p50",
            GROUP,
            f"task.list newest page ({PAGE}) of a {label}-task queue, p50",
            "ms",
            higher_is_better=False,
            targets=[Target(5, "≤ 5")],
        ),
        "list_p99": Figure(
            "store.list_p99", GROUP, "task.list newest page, p99", "ms", higher_is_better=False
        ),
        "count_p50": Figure(
            "store.count_p50",
            GROUP,
            f"queue.list with counts at {label} tasks, p50",
            "ms",
            higher_is_better=False,
            targets=[Target(5, "≤ 5")],
        ),
        "count_p99": Figure(
            "store.count_p99", GROUP, "queue.list with counts, p99", "ms", higher_is_better=False
        ),
        "rss": Figure(
            "store.rss",
            GROUP,
            f"daemon RSS after restart on {label} tasks and the queries above",
            "MB",
            higher_is_better=False,
            targets=[Target(100, "≤ 100")],
        ),
        "build": Figure(
            "store.build",
            GROUP,
            "building the store over the socket (enqueue_batch, 1 client)",
            "tasks/s",
        ),
    }
    daemon = BenchDaemon()
    try:
        daemon.start()
        seconds = asyncio.run(build(daemon.socket, n))
        figures["build"].runs.append((n + SMALL_QUEUES * SMALL_TASKS) / seconds)
        for _ in range(sizes.runs):
            daemon.stop()
            daemon.start()
            listed, counted = asyncio.run(_query(daemon.socket, sizes.big_store_queries, n))
            figures["list_p50"].runs.append(percentile(listed, 50))
            figures["list_p99"].runs.append(percentile(listed, 99))
            figures["count_p50"].runs.append(percentile(counted, 50))
            figures["count_p99"].runs.append(percentile(counted, 99))
            figures["rss"].runs.append(daemon.rss_bytes() / 1e6)
    finally:
        daemon.remove()
    figures["build"].note = "built once per suite run"
    return list(figures.values())
