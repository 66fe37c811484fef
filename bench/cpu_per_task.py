"""``python bench/cpu_per_task.py [--rounds N] DAEMON_BIN [DAEMON_BIN ...]``: the daemon's own
user CPU time per task (read from /proc) for fixed workloads, each daemon build in
turn, round after round; prints one table of medians.

Throughput swings several-fold on a busy 2-core machine; the CPU a daemon spends on a task
barely moves, so this is how two builds (before and after a change) are compared while other
work runs. Give each build's ``sparkq-daemon`` (e.g. the ones in two virtualenvs)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ndjson import RpcConnection, close_all, open_many
from bench.sparkq_socket import BATCH, ITEM, QUEUE, create_queue, fill
from sparkq_tui.daemon_process import DaemonProcess

TICKS = os.sysconf("SC_CLK_TCK")
SEQUENTIAL, CONCURRENT, CLIENTS, BATCHES, DRAIN, RUNNERS = 2000, 8000, 8, 20, 4000, 4


def cpu_seconds(pid: int) -> float:
    """User CPU seconds of process ``pid`` so far: the daemon's own Python and SQLite work.
    System time (mostly fsync and socket calls) swings with the disk and the neighbours."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS


async def enqueue_sequential(path: str) -> int:
    conn = await RpcConnection.open(path)
    for _ in range(SEQUENTIAL):
        await conn.call("task.enqueue", {"queue": QUEUE, **ITEM})
    await conn.close()
    return SEQUENTIAL


async def enqueue_concurrent(path: str) -> int:
    conns = await open_many(path, CLIENTS)

    async def one(conn: RpcConnection) -> None:
        for _ in range(CONCURRENT // CLIENTS):
            await conn.call("task.enqueue", {"queue": QUEUE, **ITEM})

    await asyncio.gather(*(one(c) for c in conns))
    await close_all(conns)
    return CONCURRENT


async def enqueue_batches(path: str) -> int:
    conn = await RpcConnection.open(path)
    for _ in range(BATCHES):
        await conn.call("task.enqueue_batch", {"queue": QUEUE, "tasks": [ITEM] * BATCH})
    await conn.close()
    return BATCHES * BATCH


async def drain(path: str) -> int:
    conns = await open_many(path, RUNNERS)

    async def runner(conn: RpcConnection, worker: str) -> int:
        done = 0
        while task := (await conn.call("task.claim", {"queue": QUEUE, "worker": worker}))["task"]:
            await conn.call("task.complete", {"id": task["id"], "worker": worker, "result": 0})
            done += 1
        return done

    done = await asyncio.gather(*(runner(c, f"w{i}") for i, c in enumerate(conns)))
    await close_all(conns)
    return sum(done)


WORKLOADS: dict[str, Callable[[str], Awaitable[int]]] = {
    "enqueue, 1 client": enqueue_sequential,
    f"enqueue, {CLIENTS} clients": enqueue_concurrent,
    f"enqueue_batch of {BATCH}": enqueue_batches,
    f"drain, {RUNNERS} runners (claim+complete)": drain,
}


def measure(daemon_bin: str) -> dict[str, float]:
    """µs of daemon CPU per task for each workload, on one fresh daemon of ``daemon_bin``."""
    folder = Path(tempfile.mkdtemp(prefix="sqc", dir="/tmp"))
    daemon = DaemonProcess(folder, {"backups": {"keep": 0}}, ["--log-level", "WARNING"])
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{Path(daemon_bin).parent}{os.pathsep}{old_path}"
    try:
        daemon.start()
    finally:
        os.environ["PATH"] = old_path
    assert daemon.proc is not None
    pid = daemon.proc.pid
    out: dict[str, float] = {}
    try:

        async def setup() -> None:
            conn = await RpcConnection.open(str(daemon.socket))
            await create_queue(conn)
            await conn.close()

        asyncio.run(setup())
        for name, work in WORKLOADS.items():
            if work is drain:
                asyncio.run(_refill(str(daemon.socket)))
            before = cpu_seconds(pid)
            count = asyncio.run(work(str(daemon.socket)))
            out[name] = (cpu_seconds(pid) - before) / count * 1e6
    finally:
        daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return out


async def _refill(path: str) -> None:
    """Empty the queue of what the enqueue rows left, then fill it with DRAIN tasks."""
    conn = await RpcConnection.open(path)
    await conn.call("queue.delete", {"queue": QUEUE})
    await conn.call("queue.create", {"name": QUEUE, "session": f"{QUEUE}-session"})
    await fill(conn, DRAIN)
    await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/cpu_per_task.py", description=__doc__)
    parser.add_argument("daemons", nargs="+", help="sparkq-daemon executables to compare")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    runs: dict[str, dict[str, list[float]]] = {d: {} for d in args.daemons}
    for _ in range(args.rounds):
        for daemon_bin in args.daemons:
            for name, value in measure(daemon_bin).items():
                runs[daemon_bin].setdefault(name, []).append(value)
    first = args.daemons[0]
    header = "| workload | " + " | ".join(args.daemons) + " |"
    print(header)
    print("|" + " --- |" * (len(args.daemons) + 1))
    for name in WORKLOADS:
        cells = []
        base = statistics.median(runs[first][name])
        for daemon_bin in args.daemons:
            values = runs[daemon_bin][name]
            median = statistics.median(values)
            spread = f"{min(values):.0f}–{max(values):.0f}"
            ratio = "" if daemon_bin == first else f", {median / base:.2f}×"
            cells.append(f"{median:.0f} µs ({spread}){ratio}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nDaemon user CPU per task, median of {args.rounds} rounds, lower is better.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
