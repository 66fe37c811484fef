"""The TCP listener: TLS connections per second it accepts (handshake, auth.hello, close),
and a claim round trip over TLS + token against the same over the Unix socket, same daemon,
same run. Certificates are made on the spot with trustme (the test extra).

    python bench/remote.py [--connections 500] [--claims 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

import orjson

from bench.daemon_proc import BenchDaemon
from bench.ndjson import STREAM_LIMIT

QUEUE = "remote-bench"


class Line:
    """One NDJSON connection, one request at a time (the shape of a runner's claim loop)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.ids = reader, writer, 0

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.ids += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self.ids, "method": method}
        if params:
            message["params"] = params
        self.writer.write(orjson.dumps(message) + b"\n")
        reply = orjson.loads(await self.reader.readline())
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']['message']}")
        return reply["result"]

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


async def open_tls(port: int, ctx: ssl.SSLContext, token: str | None) -> Line:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1", limit=STREAM_LIMIT
    )
    line = Line(reader, writer)
    if token is not None:
        await line.call("auth.hello", {"token": token})
    return line


async def open_unix(path: Path) -> Line:
    return Line(*await asyncio.open_unix_connection(str(path), limit=STREAM_LIMIT))


async def connections_per_second(
    port: int, ctx: ssl.SSLContext, token: str | None, total: int, concurrency: int
) -> float:
    """Connections opened (TLS handshake, then auth.hello when ``token``) and closed per s."""
    left = total

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            line = await open_tls(port, ctx, token)
            await line.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


async def claim_round_trips(line: Line, count: int) -> list[float]:
    """Seconds per task.claim (a task is always there), one at a time."""
    params = {"queue": QUEUE, "worker": "bench"}
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await line.call("task.claim", params)
        times.append(time.perf_counter() - started)
    return times


async def measure(daemon: BenchDaemon, ctx: ssl.SSLContext, args: argparse.Namespace) -> list:
    owner = await open_unix(daemon.socket)
    info = await owner.call("system.info")
    port = int(info["tcp"].rsplit(":", 1)[1])
    token = (await owner.call("token.create", {"name": "bench", "scope": "worker"}))["token"]
    await owner.call("session.create", {"name": "bench"})
    await owner.call("queue.create", {"name": QUEUE, "session": "bench"})
    item = {"tool": "run-bash", "payload": {"script": "true"}}
    for _ in range(0, 2 * args.claims + 2000, 1000):
        await owner.call("task.enqueue_batch", {"queue": QUEUE, "tasks": [item] * 1000})

    rows: list[tuple[str, str]] = []
    await connections_per_second(port, ctx, token, 50, 1)  # warm up
    for label, with_token, conc in (
        ("TLS handshake + close, 1 client at a time", None, 1),
        ("TLS handshake + auth.hello + close, 1 client at a time", token, 1),
        (
            f"TLS handshake + auth.hello + close, {args.concurrency} clients",
            token,
            args.concurrency,
        ),
    ):
        rate = await connections_per_second(port, ctx, with_token, args.connections, conc)
        rows.append((label, f"{rate:,.0f} connections/s"))

    remote = await open_tls(port, ctx, token)
    await claim_round_trips(remote, 100)  # warm both paths
    await claim_round_trips(owner, 100)
    over_tls: list[float] = []
    over_unix: list[float] = []
    for _ in range(10):  # interleaved, so both see the same machine
        over_tls += await claim_round_trips(remote, args.claims // 10)
        over_unix += await claim_round_trips(owner, args.claims // 10)
    await remote.close()
    await owner.close()
    for label, times in (("Unix socket", over_unix), ("TLS + token", over_tls)):
        p50 = statistics.median(times) * 1e6
        p99 = sorted(times)[int(len(times) * 0.99) - 1] * 1e6
        rows.append((f"task.claim round trip, {label}", f"p50 {p50:,.0f} µs · p99 {p99:,.0f} µs"))
    overhead = (statistics.median(over_tls) - statistics.median(over_unix)) * 1e6
    rows.append(("TLS + token overhead per claim (p50)", f"{overhead:+,.0f} µs"))
    return rows


def main(argv: list[str] | None = None) -> int:
    import trustme

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="sqr", dir="/tmp"))
    ca = trustme.CA()
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(folder / "server.pem")
    )
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    tcp = {"listen": "127.0.0.1:0", "tls_cert": "server.pem", "tls_key": "server.pem"}
    tcp["max_unauthenticated"] = 1024
    with BenchDaemon(folder, {"server": {"tcp": tcp}}) as daemon:
        rows = asyncio.run(measure(daemon, ctx, args))
    width = max(len(label) for label, _ in rows)
    print(f"| {'measure'.ljust(width)} | result |")
    print(f"| {'-' * width} | --- |")
    for label, value in rows:
        print(f"| {label.ljust(width)} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
