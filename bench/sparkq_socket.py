"""SparkQ over the real socket: the installed ``sparkq-daemon``, a fresh database per run,
driven by the bare NDJSON client (one request in flight per connection unless noted)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.budget import Deadline
from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection, close_all, open_many
from bench.sizes import Sizes
from bench.stats import Figure, Target, percentile

GROUP = "sparkq"
QUEUE = "bench"
ITEM: dict[str, Any] = {"tool": "run-bash", "payload": {"script": "echo hello"}}
BATCH = 1000
CLIENTS = 8
PIPELINE_WINDOWS = (8, 64, 256)


async def create_queue(conn: RpcConnection, queue: str = QUEUE) -> None:
    await conn.call("session.create", {"name": f"{queue}-session"})
    await conn.call("queue.create", {"name": queue, "session": f"{queue}-session"})


async def fill(conn: RpcConnection, count: int, queue: str = QUEUE, window: int = 4) -> None:
    """Enqueue ``count`` tasks in batches of 1000, a few batches in flight."""
    lines = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        lines.append(conn.encode("task.enqueue_batch", {"queue": queue, "tasks": [ITEM] * size})[1])
    await conn.pipeline(lines, window=window)


async def _enqueue_loop(conn: RpcConnection, count: int, deadline: Deadline) -> int:
    params = {"queue": QUEUE, **ITEM}
    done = 0
    while done < count and not deadline.passed():
        await conn.call("task.enqueue", params)
        done += 1
    return done


async def enqueue_sequential(path: str, count: int, seconds: float) -> float:
    conn = await RpcConnection.open(path)
    await create_queue(conn)
    start = time.perf_counter()
    done = await _enqueue_loop(conn, count, Deadline(seconds))
    elapsed = time.perf_counter() - start
    await conn.close()
    return done / elapsed


async def enqueue_concurrent(
    path: str, count: int, seconds: float, clients: int = CLIENTS
) -> float:
    conns = await open_many(path, clients)
    await create_queue(conns[0])
    deadline = Deadline(seconds)
    start = time.perf_counter()
    done = await asyncio.gather(*(_enqueue_loop(c, count // clients, deadline) for c in conns))
    elapsed = time.perf_counter() - start
    await close_all(conns)
    return sum(done) / elapsed


async def enqueue_batches(path: str, batches: int, seconds: float) -> float:
    conn = await RpcConnection.open(path)
    await create_queue(conn)
    params = {"queue": QUEUE, "tasks": [ITEM] * BATCH}
    deadline = Deadline(seconds)
    start = time.perf_counter()
    done = 0
    while done < batches and not deadline.passed():
        await conn.call("task.enqueue_batch", params)
        done += 1
    elapsed = time.perf_counter() - start
    await conn.close()
    return done * BATCH / elapsed


async def _runner(conn: RpcConnection, worker: str, deadline: Deadline) -> int:
    done = 0
    claim = {"queue": QUEUE, "worker": worker}
    while not deadline.passed():
        task = (await conn.call("task.claim", claim))["task"]
        if task is None:
            break
        await conn.call("task.complete", {"id": task["id"], "worker": worker, "result": 0})
        done += 1
    return done


async def drain(path: str, count: int, runners: int, seconds: float, runner: Any = None) -> float:
    """Tasks/s of ``runners`` connections on a queue of ``count`` tasks; each connection runs
    ``runner`` (claim then complete by default)."""
    loop = runner or _runner
    conns = await open_many(path, runners)
    await create_queue(conns[0])
    await fill(conns[0], count)
    deadline = Deadline(seconds)
    start = time.perf_counter()
    done = await asyncio.gather(*(loop(c, f"w{i}", deadline) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - start
    await close_all(conns)
    if not 0 < sum(done) <= count:
        raise RuntimeError(f"drained {sum(done)} of {count} tasks")
    return sum(done) / elapsed


async def runner_claim_next(conn: RpcConnection, worker: str, deadline: Deadline) -> int:
    """A runner that asks for its next task in each report (claim_next): one call a task."""
    done = 0
    task = (await conn.call("task.claim", {"queue": QUEUE, "worker": worker}))["task"]
    report = {"worker": worker, "result": 0, "claim_next": {"queue": QUEUE}}
    while task is not None and not deadline.passed():
        task = (await conn.call("task.complete", {"id": task["id"], **report}))["next"]
        done += 1
    return done


async def drain_claim_next(path: str, count: int, runners: int, seconds: float) -> float:
    """Tasks/s of ``runners`` connections draining with complete+claim_next in one call."""
    return await drain(path, count, runners, seconds, runner_claim_next)


async def enqueue_pipelined(path: str, count: int, window: int) -> float:
    """task.enqueue calls from one connection, ``window`` in flight (as enqueue_many)."""
    conn = await RpcConnection.open(path)
    await create_queue(conn)
    params = {"queue": QUEUE, **ITEM}
    lines = [conn.encode("task.enqueue", params)[1] for _ in range(count)]
    start = time.perf_counter()
    await conn.pipeline(lines, window=window)
    elapsed = time.perf_counter() - start
    await conn.close()
    return count / elapsed


async def claim_latency(path: str, samples: int, seconds: float) -> list[float]:
    """Seconds from sending task.enqueue to receiving the waiting runner's claim reply."""
    producer, runner = await open_many(path, 2)
    await create_queue(producer)
    params = {"queue": QUEUE, **ITEM}
    latencies: list[float] = []
    deadline = Deadline(seconds)
    while len(latencies) < samples and not deadline.passed():
        claim_id = runner.send("task.claim", {"queue": QUEUE, "worker": "w", "wait": 10})
        # The ping's reply proves the claim was read and its first (empty) attempt queued
        # ahead of the enqueue; the daemon's waiter cannot miss the enqueue after that.
        await runner.call("system.ping")
        start = time.perf_counter()
        await producer.call("task.enqueue", params)
        task = (await runner.receive(claim_id))["task"]
        latencies.append(time.perf_counter() - start)
        if task is None:
            raise RuntimeError("the waiting claim came back empty")
    await close_all([producer, runner])
    return latencies


def on_fresh_daemon(work: Callable[[str], Awaitable[Any]]) -> Any:
    """Run ``work(socket)`` against a new daemon on a new database, then remove both."""
    with BenchDaemon() as daemon:
        return asyncio.run(work(daemon.socket))


def measure(sizes: Sizes) -> list[Figure]:
    s = sizes

    def runs(work: Callable[[str], Awaitable[Any]]) -> list[float]:
        return [on_fresh_daemon(work) for _ in range(s.runs)]

    figures = [
        Figure(
            "sparkq.enqueue_seq",
            GROUP,
            "enqueue, 1 client, sequential",
            "tasks/s",
            runs(lambda p: enqueue_sequential(p, s.enqueue_sequential, s.seconds)),
            targets=[Target(0.5, "≥ 0.5× limit", "limit.commit_full")],
            limit_key="limit.commit_full",
            peer_kind="enqueue",
        ),
        Figure(
            "sparkq.enqueue_8",
            GROUP,
            f"enqueue, {CLIENTS} concurrent clients",
            "tasks/s",
            runs(lambda p: enqueue_concurrent(p, s.enqueue_concurrent, s.seconds)),
            targets=[Target(3, "≥ 3× huey", "peer.huey.enqueue")],
            limit_key="limit.group_8",  # the perfect group commit of 8 clients' inserts
            peer_kind="enqueue",
        ),
        Figure(
            "sparkq.enqueue_batch",
            GROUP,
            "task.enqueue_batch of 1000, 1 client",
            "tasks/s",
            runs(lambda p: enqueue_batches(p, s.enqueue_batches, s.seconds)),
            targets=[Target(0.8, "≥ 0.8× limit", "limit.batch_rows")],
            limit_key="limit.batch_rows",
            peer_kind="enqueue",
        ),
    ]
    for runners in (1, 4, 8):
        targets = []
        if runners == 4:
            targets = [Target(2, "≥ 2× huey", "peer.huey.drain")]
        figures.append(
            Figure(
                f"sparkq.drain_{runners}",
                GROUP,
                f"drain (claim+complete), {runners} runner{'s' if runners > 1 else ''}",
                "cycles/s",
                runs(lambda p, r=runners: drain(p, s.drain_tasks, r, s.seconds)),
                targets=targets,
                # 4 runners: the perfect group commit of their 4 claims and 4 completes.
                limit_key="limit.group_cycles_4" if runners == 4 else "limit.cycle_full",
                peer_kind="drain",
            )
        )
    figures.append(
        Figure(
            "sparkq.drain_4_claim_next",
            GROUP,
            "drain, 4 runners, complete+claim_next in one call",
            "tasks/s",
            runs(lambda p: drain_claim_next(p, s.drain_tasks, 4, s.seconds)),
            targets=[Target(2, "≥ 2× huey", "peer.huey.drain")],
            limit_key="limit.group_cycles_4",
            peer_kind="drain",
        )
    )
    for window in PIPELINE_WINDOWS:
        figures.append(
            Figure(
                f"sparkq.enqueue_pipelined_{window}",
                GROUP,
                f"enqueue, 1 client, {window} in flight (enqueue_many)",
                "tasks/s",
                runs(lambda p, w=window: enqueue_pipelined(p, s.enqueue_concurrent, w)),
                targets=[Target(10000, "≥ 10 000")] if window == 64 else [],
                limit_key="limit.commit_full",
                peer_kind="enqueue",
            )
        )
    p50s, p99s = [], []
    for _ in range(s.runs):
        latencies = on_fresh_daemon(lambda p: claim_latency(p, s.latency_samples, s.seconds))
        p50s.append(percentile(latencies, 50) * 1000)
        p99s.append(percentile(latencies, 99) * 1000)
    figures += [
        Figure(
            "sparkq.claim_p50",
            GROUP,
            "enqueue→claimed, waiting runner, p50",
            "ms",
            p50s,
            higher_is_better=False,
            targets=[Target(0.5, "≤ 0.5")],
            limit_key="limit.echo_p50",
        ),
        Figure(
            "sparkq.claim_p99",
            GROUP,
            "enqueue→claimed, waiting runner, p99",
            "ms",
            p99s,
            higher_is_better=False,
            targets=[Target(2, "≤ 2")],
            limit_key="limit.echo_p99",
        ),
    ]
    return figures
