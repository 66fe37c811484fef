"""Where the daemon's time goes on one workload: ``python bench/profile.py enqueue_8|drain_4|drain_next_4``
(``--postgres``: on the PostgreSQL engine, a throwaway durable server).

Samples the daemon with py-spy (``pip install py-spy``) while the workload runs and prints the
top functions by own time and by inclusive time, per thread; ``--svg`` also writes a flame graph."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sparkq_socket
from bench.daemon_proc import BenchDaemon

WORKLOADS = {
    "enqueue_8": lambda path, n, t: sparkq_socket.enqueue_concurrent(path, n, t),
    "drain_4": lambda path, n, t: sparkq_socket.drain(path, n, 4, t),
    "drain_1": lambda path, n, t: sparkq_socket.drain(path, n, 1, t),
    "drain_next_4": lambda path, n, t: sparkq_socket.drain_claim_next(path, n, 4, t),
    "enqueue_seq": lambda path, n, t: sparkq_socket.enqueue_sequential(path, n, t),
    "enqueue_batch": lambda path, n, t: sparkq_socket.enqueue_batches(path, n // 1000, t),
    "claim_latency": lambda path, n, t: _latency(path, n, t),
}


async def _latency(path: str, samples: int, seconds: float) -> float:
    """Enqueue→claimed round trips per second (one at a time: each a waiting claim)."""
    started = time.perf_counter()
    done = await sparkq_socket.claim_latency(path, samples, seconds)
    return len(done) / (time.perf_counter() - started)


def _frame_name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    name, _, where = frame.partition(" (")
    file = where.rsplit("/", 1)[-1].split(":")[0] if where else ""
    return f"{name} ({file})" if file else name


def summarize(raw: Path, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread, frames = frames[0], [_frame_name(f) for f in frames[1:]]
        total += count
        threads[thread] += count
        if frames:
            own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    out = [f"{total} samples"]
    out += [f"  {n / total:6.1%}  {t}" for t, n in threads.most_common()]
    out.append("own time:")
    out += [f"  {n / total:6.1%}  {name}" for name, n in own.most_common(top)]
    out.append("inclusive time:")
    out += [f"  {n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(out)


@contextlib.contextmanager
def _daemon(postgres: bool) -> Iterator[BenchDaemon]:
    """A bench daemon on SQLite, or on a new database of a throwaway PostgreSQL server."""
    if not postgres:
        with BenchDaemon() as daemon:
            yield daemon
        return
    from tests.pg_cluster import pg_server

    with pg_server(durable=True) as server:
        url = server.create_database("prof")
        with BenchDaemon(config={"database": {"url": url}}) as daemon:
            yield daemon


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/profile.py", description=__doc__)
    parser.add_argument("workload", choices=list(WORKLOADS))
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=10.0, help="the most it may run")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default="/tmp/sparkq-profile", help="folder for the outputs")
    parser.add_argument("--svg", action="store_true", help="also record a flame graph")
    parser.add_argument(
        "--gil", action="store_true", help="only samples holding the GIL: Python CPU, not waits"
    )
    parser.add_argument("--postgres", action="store_true", help="the PostgreSQL engine")
    args = parser.parse_args(argv)
    if shutil.which("py-spy") is None:
        sys.exit("py-spy is not installed: pip install py-spy")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = "-pg" if args.postgres else ""
    raw = out / f"{args.workload}{engine}{'-gil' if args.gil else ''}.txt"
    fmt = ["--format", "raw", "-o", str(raw)]
    if args.svg:
        fmt = ["--format", "flamegraph", "-o", str(out / f"{args.workload}.svg")]
    with _daemon(args.postgres) as daemon:
        spy = subprocess.Popen(
            [
                "py-spy",
                "record",
                "--pid",
                str(daemon.pid),
                "--threads",
                "--rate",
                "250",
                "--nonblocking",
                *(["--gil"] if args.gil else []),
                *fmt,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.0)  # py-spy attaches
        started = time.perf_counter()
        rate = asyncio.run(WORKLOADS[args.workload](daemon.socket, args.tasks, args.seconds))
        elapsed = time.perf_counter() - started
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    print(f"{args.workload}: {rate:,.0f}/s over {elapsed:.1f} s (under py-spy)")
    if not args.svg:
        print(summarize(raw, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
