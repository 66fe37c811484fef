"""A flood of live output and progress while the daemon is asked to answer: a real ``sparkq
runner`` runs two tasks at once, one printing 100 000 lines as fast as it can, the other
sending 1 000 ``task.progress`` a second over its socket; meanwhile another client samples
``system.ping``. Its p50 and p99 say whether the daemon stays responsive (target p99 ≤ 20 ms).
Also counted: the ``task.log`` calls the runner made for those lines (coalesced, not one per
line) and the progress updates the daemon took per second."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.daemon_proc import BenchDaemon
from bench.ndjson import RpcConnection
from bench.sizes import Sizes
from bench.sparkq_socket import create_queue
from bench.stats import Figure, Target, percentile

GROUP = "flood"
QUEUE = "flood"
PING_EVERY = 0.005  # seconds between ping samples
# The progress task: plain Python in the task, writing task.progress lines to the socket the
# runner names at 1 000 a second (paced, replies read by a second thread), then its count.
PROGRESS_SCRIPT = r"""
import json, os, socket, sys, threading, time
rate, seconds = int(sys.argv[1]), float(sys.argv[2])
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(os.environ["SPARKQ_SOCKET"])
task, attempt = os.environ["SPARKQ_TASK_ID"], int(os.environ["SPARKQ_ATTEMPT"])
total = int(rate * seconds)
answered = []
def read():
    reader = sock.makefile("rb")
    for _ in range(total):
        answered.append("error" not in json.loads(reader.readline()))
threading.Thread(target=read, daemon=True).start()
start = time.perf_counter()
for n in range(total):
    due = start + n / rate
    pause = due - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    line = {"jsonrpc": "2.0", "id": n, "method": "task.progress",
            "params": {"id": task, "attempt": attempt, "percent": 100 * n / total}}
    sock.sendall(json.dumps(line).encode() + b"\n")
while len(answered) < total and time.perf_counter() - start < seconds + 30:
    time.sleep(0.01)
print(f"{sum(answered)} {time.perf_counter() - start:.3f}")
"""


async def _enqueue(path: str, lines: int, rate: int, seconds: float) -> list[str]:
    conn = await RpcConnection.open(path)
    await create_queue(conn, QUEUE)
    tasks = [
        {"tool": "run-bash", "payload": {"script": f"seq -f 'flood line %.0f' 1 {lines}"}},
        {
            "tool": "run-python",
            "payload": {"script": PROGRESS_SCRIPT, "args": [str(rate), str(seconds)]},
        },
    ]
    made = await conn.call("task.enqueue_batch", {"queue": QUEUE, "tasks": tasks})
    await conn.close()
    return [t["id"] for t in made["tasks"]]


async def _sample_pings(path: str, runner: subprocess.Popen[str]) -> list[float]:
    """Round trips of ``system.ping`` (ms), every few milliseconds until the runner ends."""
    conn = await RpcConnection.open(path)
    samples: list[float] = []
    while runner.poll() is None:
        start = time.perf_counter()
        await conn.call("system.ping")
        samples.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(PING_EVERY)
    await conn.close()
    return samples


async def _outcome(path: str, ids: list[str]) -> tuple[int, list[dict]]:
    conn = await RpcConnection.open(path)
    log_calls = 0
    after = 0
    while True:
        page = await conn.call("task.logs", {"id": ids[0], "after": after})
        log_calls += len(page["lines"])
        if len(page["lines"]) < 1000:
            break
        after = page["next"]
    tasks = [await conn.call("task.get", {"id": task_id}) for task_id in ids]
    await conn.close()
    return log_calls, tasks


def flood_once(lines: int, rate: int, seconds: float) -> tuple[list[float], int, float]:
    """(ping round trips in ms, task.log calls for the lines, progress updates taken per s)."""
    outbox = Path(tempfile.mkdtemp(prefix="sqo", dir="/tmp"))
    exe = shutil.which("sparkq")
    argv = [exe] if exe else [sys.executable, "-m", "sparkq_tui.cli"]
    try:
        with BenchDaemon() as daemon:
            path = str(daemon.socket)
            ids = asyncio.run(_enqueue(path, lines, rate, seconds))
            env = {**daemon.env(), "SPARKQ_OUTBOX_DIR": str(outbox)}
            runner = subprocess.Popen(
                [*argv, "runner", "--queue", QUEUE, "--drain", "--concurrency", "2"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            pings = asyncio.run(_sample_pings(path, runner))
            _, err = runner.communicate(timeout=120)
            log_calls, tasks = asyncio.run(_outcome(path, ids))
            if runner.returncode != 0 or any(t["status"] != "succeeded" for t in tasks):
                raise RuntimeError(f"the flood tasks did not succeed: {err[-800:]}")
            taken, took = (float(x) for x in tasks[1]["stdout"].split())
            return pings, log_calls, taken / took
    finally:
        shutil.rmtree(outbox, ignore_errors=True)


def measure(sizes: Sizes) -> list[Figure]:
    p50s, p99s, calls, rates = [], [], [], []
    for _ in range(sizes.runs):
        pings, log_calls, rate = flood_once(
            sizes.flood_lines, sizes.flood_progress_rate, sizes.flood_seconds
        )
        p50s.append(percentile(pings, 50))
        p99s.append(percentile(pings, 99))
        calls.append(float(log_calls))
        rates.append(rate)
    what = f"{sizes.flood_lines} lines printed + {sizes.flood_progress_rate} progress/s"
    return [
        Figure(
            "flood.ping_p50",
            GROUP,
            f"system.ping during a flood ({what}), p50",
            "ms",
            p50s,
            higher_is_better=False,
        ),
        Figure(
            "flood.ping_p99",
            GROUP,
            f"system.ping during a flood ({what}), p99",
            "ms",
            p99s,
            higher_is_better=False,
            targets=[Target(20.0, "≤ 20 ms")],
        ),
        Figure(
            "flood.log_calls",
            GROUP,
            f"task.log calls the runner made for {sizes.flood_lines} lines",
            "calls",
            calls,
            higher_is_better=False,
            note="coalesced: at most two a second per stream",
        ),
        Figure(
            "flood.progress_rate",
            GROUP,
            "task.progress the daemon answered, sent at "
            f"{sizes.flood_progress_rate}/s from inside a task",
            "updates/s",
            rates,
        ),
    ]
