"""A real ``sparkq runner --drain --concurrency 4`` on a queue of ``true`` run-bash tasks (a bash
process each): tasks/s end to end, and the most tasks the daemon saw ``running`` at once
(sampled with ``system.stats`` throughout; it must never pass the concurrency)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection
from bench.sizes import Sizes
from bench.sparkq_socket import BATCH, QUEUE, create_queue
from bench.stats import Figure, Target

GROUP = "runner"
CONCURRENCY = 4
TRUE_TASK = {"tool": "run-bash", "payload": {"script": "true"}}


async def _fill(path: str, count: int) -> None:
    conn = await RpcConnection.open(path)
    await create_queue(conn)
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        await conn.call("task.enqueue_batch", {"queue": QUEUE, "tasks": [TRUE_TASK] * size})
    await conn.close()


def _sample(path: str, stop: threading.Event, seen: list[int]) -> None:
    async def loop() -> None:
        conn = await RpcConnection.open(path)
        while not stop.is_set():
            seen.append((await conn.call("system.stats"))["tasks"].get("running", 0))
            await asyncio.sleep(0.005)
        await conn.close()

    asyncio.run(loop())


def drain_once(count: int) -> tuple[float, int]:
    """(tasks/s, the most tasks seen running) for one drain of ``count`` tasks."""
    outbox = Path(tempfile.mkdtemp(prefix="sqo", dir="/tmp"))
    exe = shutil.which("sparkq")
    argv = [exe] if exe else [sys.executable, "-m", "sparkq_tui.cli"]
    try:
        with BenchDaemon() as daemon:
            asyncio.run(_fill(str(daemon.socket), count))
            seen: list[int] = []
            stop = threading.Event()
            sampler = threading.Thread(target=_sample, args=(str(daemon.socket), stop, seen))
            sampler.start()
            env = {**daemon.env(), "SPARKQ_OUTBOX_DIR": str(outbox)}
            start = time.perf_counter()
            proc = subprocess.run(
                [*argv, "runner", "--queue", QUEUE, "--drain", "--concurrency", str(CONCURRENCY)],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            elapsed = time.perf_counter() - start
            stop.set()
            sampler.join(30)
            if proc.returncode != 0 or f"done: {count} succeeded" not in proc.stderr:
                raise RuntimeError(f"the runner did not drain the queue: {proc.stderr[-800:]}")
            return count / elapsed, max(seen, default=0)
    finally:
        shutil.rmtree(outbox, ignore_errors=True)


def measure(sizes: Sizes) -> list[Figure]:
    rates, peaks = [], []
    for _ in range(sizes.runs):
        rate, peak = drain_once(sizes.runner_tasks)
        rates.append(rate)
        peaks.append(float(peak))
    return [
        Figure(
            "runner.drain_true",
            GROUP,
            f"sparkq runner --drain --concurrency {CONCURRENCY}, `true` tasks (bash each)",
            "tasks/s",
            rates,
            peer_kind="drain",
            note="a bash process per task; the no-op cycle rate is sparkq.drain_4_claim_next",
        ),
        Figure(
            "runner.most_running",
            GROUP,
            "most tasks `running` at once during that drain (system.stats)",
            "tasks",
            peaks,
            higher_is_better=False,
            targets=[Target(CONCURRENCY, f"≤ {CONCURRENCY}")],
        ),
    ]
