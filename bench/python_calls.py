"""Python functions as tasks, end to end: enqueue a no-op function, run it on 4 workers, get
its result — through SparkQ (the task API, a daemon, ``sparkq runner -c 4``) beside huey's
SqliteHuey (its consumer with 4 worker threads, in its own process) in the same run.

Each side is timed from the first enqueue to the last result, with the workers already up
and warm (one call through first). SparkQ's client pipelines its enqueues and waits
(``task.wait``) on one connection; huey's producer enqueues one by one and polls each
result with its defaults (``Result.get(blocking=True)``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection
from bench.sizes import Sizes
from bench.sparkq_socket import QUEUE, create_queue
from bench.stats import Figure, Target

GROUP = "python"
WORKERS = 4
WINDOW = 256  # calls in flight from the SparkQ client
HUEY_KEY = "python.huey_call_result"
JOBS = "def noop():\n    return 0\n"
HUEY_JOBS = """
from huey import SqliteHuey

huey = SqliteHuey("bench", filename={db!r})


@huey.task()
def noop():
    return 0  # huey keeps no result for None
"""


@contextlib.contextmanager
def _folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="sqpy", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _process(argv: list[str], **options: object) -> Iterator[subprocess.Popen[bytes]]:
    # Nothing reads its output during the run: a pipe would fill and stall it.
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def _sparkq_calls(socket: str, count: int) -> float:
    from sparkq_tui import enqueue_call, result
    from sparkq_tui.client import AsyncClient

    async with AsyncClient(socket) as client:
        # Warm: enough calls at once that every slot has started its worker process.
        warm = []
        for _ in range(WORKERS * 4):
            warm.append(await enqueue_call("benchjobs:noop", queue=QUEUE, client=client))
        for task in warm:
            await result(task, timeout=60, client=client)
        window = asyncio.Semaphore(WINDOW)

        async def one() -> None:
            async with window:
                task = await enqueue_call("benchjobs:noop", queue=QUEUE, client=client)
                done = await result(task, timeout=120, client=client)
                if not done.ok:
                    raise RuntimeError(f"a no-op call failed: {done.error}")

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return count / (time.perf_counter() - start)


def sparkq_rate(count: int) -> float:
    """Calls/s of ``count`` no-op calls through SparkQ with a 4-slot runner."""
    exe = shutil.which("sparkq")
    argv = [exe] if exe else [sys.executable, "-m", "sparkq_tui.cli"]
    with _folder() as folder, BenchDaemon() as daemon:
        (folder / "benchjobs.py").write_text(JOBS)

        async def setup() -> None:
            conn = await RpcConnection.open(str(daemon.socket))
            await create_queue(conn)
            await conn.close()

        asyncio.run(setup())
        env = {**daemon.env(), "SPARKQ_OUTBOX_DIR": str(folder / "outbox")}
        runner = [*argv, "runner", "-q", QUEUE, "-c", str(WORKERS), "--import-path", str(folder)]
        runner += ["--log-level", "warning"]  # as huey's consumer runs with -q
        with _process(runner, env=env, cwd=folder):
            return asyncio.run(_sparkq_calls(str(daemon.socket), count))


def huey_rate(count: int) -> float:
    """Calls/s of ``count`` no-op calls through SqliteHuey with a 4-thread consumer."""
    with _folder() as folder:
        (folder / "hueyjobs.py").write_text(
            textwrap.dedent(HUEY_JOBS.format(db=str(folder / "huey.db")))
        )
        env = {**os.environ, "PYTHONPATH": str(folder)}
        consumer = [sys.executable, "-m", "huey.bin.huey_consumer", "hueyjobs.huey"]
        consumer += ["-w", str(WORKERS), "-k", "thread", "-q"]
        sys.path.insert(0, str(folder))
        try:
            import hueyjobs  # type: ignore[import-not-found]

            with _process(consumer, env=env, cwd=folder):
                hueyjobs.noop()(blocking=True, timeout=60)  # warm: the consumer is up
                start = time.perf_counter()
                pending = [hueyjobs.noop() for _ in range(count)]
                for handle in pending:
                    handle.get(blocking=True, timeout=120)
                return count / (time.perf_counter() - start)
        finally:
            sys.path.remove(str(folder))
            sys.modules.pop("hueyjobs", None)


def measure(sizes: Sizes) -> list[Figure]:
    count = max(sizes.runner_tasks // 2, 20)
    ours, theirs = [], []
    try:
        import huey  # noqa: F401
    except ImportError:
        huey_missing = True
    else:
        huey_missing = False
    for _ in range(sizes.runs):
        ours.append(sparkq_rate(count))
        if not huey_missing:
            theirs.append(huey_rate(count))
    return [
        Figure(
            HUEY_KEY,
            GROUP,
            f"huey SqliteHuey, consumer -w {WORKERS} -k thread: no-op call, enqueue+run+result",
            "calls/s",
            theirs,
            note="not installed: pip install -e '.[bench]'" if huey_missing else "",
        ),
        Figure(
            "python.sparkq_call_result",
            GROUP,
            f"sparkq task API + runner -c {WORKERS}: no-op python-call, enqueue+run+result",
            "calls/s",
            ours,
            targets=[Target(1.0, "≥ 1× huey", against=HUEY_KEY)],
            note=f"{count} calls a run, {WINDOW} in flight; a worker process per runner slot",
        ),
    ]
