"""procrastinate, the PostgreSQL task queue for Python, on the same server: deferring from 8
concurrent clients, and its worker loop draining no-op jobs with concurrency 4. Installed by
the ``bench`` extra; without it the rows say so."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.budget import Deadline

QUEUE = "bench"


def available() -> bool:
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        return False
    return True


def _app(url: str) -> Any:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(queue=QUEUE, name="noop")
    async def noop(n: int) -> None:
        return None

    return app


async def _fresh_app(url: str) -> Any:
    app = _app(url)
    await app.open_async()
    await app.connector.execute_query_async("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await app.schema_manager.apply_schema_async()
    return app


async def defer_rate(url: str, clients: int, count: int, seconds: float) -> float:
    """Jobs/s deferred one by one from ``clients`` concurrent coroutines (its pool)."""
    app = await _fresh_app(url)
    task = app.tasks["noop"]
    deadline = Deadline(seconds)

    async def client() -> int:
        done = 0
        while done < count // clients and not deadline.passed():
            await task.defer_async(n=done)
            done += 1
        return done

    start = time.perf_counter()
    done = await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    await app.close_async()
    return sum(done) / elapsed


async def worker_rate(url: str, count: int, concurrency: int) -> float:
    """Jobs/s of procrastinate's worker (``wait=False``: it stops once the queue is empty)
    draining ``count`` no-op jobs with ``concurrency``."""
    app = await _fresh_app(url)
    task = app.tasks["noop"]
    for start in range(0, count, 1000):
        await task.batch_defer_async(*({"n": n} for n in range(start, min(count, start + 1000))))
    begin = time.perf_counter()
    await app.run_worker_async(queues=[QUEUE], concurrency=concurrency, wait=False)
    elapsed = time.perf_counter() - begin
    done = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE status = 'succeeded'"
    )
    await app.close_async()
    if done["n"] != count:
        raise RuntimeError(f"procrastinate's worker finished {done['n']} of {count} jobs")
    return count / elapsed
