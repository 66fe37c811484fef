"""Racing claimers, waiting claims, vanishing clients, crowds of connections."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import NotFoundError
from tests.daemon_process import DaemonProcess
from tests.integration.statuses import ZERO_COUNTS
from tests.waiting import wait_until
from tests.wire import Wire


async def test_eight_racing_claimers_each_task_claimed_once(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as setup:
        await setup.call("session.create", name="s")
        await setup.call("queue.create", name="q", session="s")
        batch = [{"tool": "run-bash", "payload": {"n": i}} for i in range(1000)]
        await setup.call("task.enqueue_batch", queue="q", tasks=batch)

    async def claimer(worker: str) -> list[str]:
        got = []
        async with AsyncClient(daemon.socket) as c:
            while True:
                task = await c.claim("q", worker=worker)
                if task is None:
                    return got
                got.append(task["id"])
                await c.complete(task["id"])

    results = await asyncio.gather(*(claimer(f"w{i}") for i in range(8)))
    claimed = [tid for r in results for tid in r]
    assert len(claimed) == 1000
    assert len(set(claimed)) == 1000
    assert sum(1 for r in results if r) >= 2  # the work really was shared
    async with AsyncClient(daemon.socket) as c:
        counts = (await c.call("queue.get", queue="q"))["counts"]
    assert counts == {**ZERO_COUNTS, "queued": 0, "running": 0, "succeeded": 1000, "failed": 0}


async def test_waiting_claim_wakes_on_enqueue(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as runner, AsyncClient(daemon.socket) as producer:
        await producer.call("session.create", name="s")
        await producer.call("queue.create", name="q", session="s")
        waiting = asyncio.create_task(runner.claim("q", worker="w", wait=10))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        sent = time.monotonic()
        task = await producer.enqueue("q", "run-bash", {"script": "true"})
        claimed = await asyncio.wait_for(waiting, 5)
        assert claimed is not None
        assert claimed["id"] == task["id"]
        assert time.monotonic() - sent < 2


async def test_waiting_claim_times_out_with_null(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await c.call("session.create", name="s")
        await c.call("queue.create", name="q", session="s")
        started = time.monotonic()
        assert await c.claim("q", wait=0.3) is None
        assert time.monotonic() - started >= 0.3
    async with AsyncClient(daemon.socket) as c:
        error = None
        try:
            await c.claim("q", wait=61)
        except Exception as exc:
            error = exc
        assert error is not None
        assert "61" in str(error)


def test_client_vanishing_mid_claim_loses_no_task(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        w.call("session.create", name="s")
        w.call("queue.create", name="q", session="s")
    gone = socket.socket(socket.AF_UNIX)
    gone.connect(str(daemon.socket))
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "task.claim",
        "params": {"queue": "q", "wait": 30},
    }
    gone.sendall(json.dumps(request).encode() + b"\n")
    time.sleep(0.2)
    gone.close()  # vanishes while waiting
    with Wire(daemon.socket) as w:
        task = w.call("task.enqueue", queue="q", tool="run-bash")
        deadline = time.monotonic() + 5
        claimed = None
        while claimed is None and time.monotonic() < deadline:
            claimed = w.call("task.claim", queue="q", wait=1)["task"]
        assert claimed is not None
        assert claimed["id"] == task["id"]


def test_client_vanishing_mid_write_keeps_acknowledged_state(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        w.call("session.create", name="s")
        w.call("queue.create", name="q", session="s")
    for i in range(50):
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(daemon.socket))
        msg = {
            "jsonrpc": "2.0",
            "id": i,
            "method": "task.enqueue",
            "params": {"queue": "q", "tool": "run-bash", "payload": {"i": i}},
        }
        s.sendall(json.dumps(msg).encode() + b"\n")
        s.close()
    with Wire(daemon.socket) as w:
        # every request that reached the daemon is applied
        wait_until(lambda: w.call("task.list", queue="q")["total"] == 50, 5.0, "50 tasks")


async def test_hundreds_of_connections_at_once(daemon: DaemonProcess) -> None:
    async def one(i: int) -> int:
        reader, writer = await asyncio.open_unix_connection(str(daemon.socket))
        writer.write(
            json.dumps({"jsonrpc": "2.0", "id": i, "method": "system.ping"}).encode() + b"\n"
        )
        await writer.drain()
        reply = json.loads(await reader.readline())
        writer.close()
        return reply["id"]

    ids = await asyncio.gather(*(one(i) for i in range(300)))
    assert sorted(ids) == list(range(300))
    with Wire(daemon.socket) as w:
        assert w.call("system.ping")


async def test_standing_claims_are_served_first_come_first_served(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await c.call("session.create", name="s")
        await c.call("queue.create", name="a", session="s")
        await c.call("queue.create", name="b", session="s")
        on_b = asyncio.create_task(c.claim("b", worker="b-waiter", wait=3))
        waiters = []
        for i in range(5):
            waiters.append(asyncio.create_task(c.claim("a", worker=f"w{i}", wait=3)))
            await asyncio.sleep(0.05)  # a definite arrival order
        batch = [{"tool": "run-bash", "payload": {"n": n}} for n in range(3)]
        await c.call("task.enqueue_batch", queue="a", tasks=batch)
        got = await asyncio.gather(*waiters)
        assert [t["worker"] if t else None for t in got] == ["w0", "w1", "w2", None, None]
        assert sorted(t["payload"]["n"] for t in got if t) == [0, 1, 2]
        assert await on_b is None  # nothing from queue a went to a claimer of b


async def test_a_timed_out_claimer_is_not_served_later(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await c.call("session.create", name="s")
        await c.call("queue.create", name="q", session="s")
        assert await c.claim("q", wait=0.2) is None
        task = await c.enqueue("q", "run-bash")
        assert (await c.call("task.get", id=task["id"]))["status"] == "queued"


async def test_standing_claim_on_a_deleted_queue_is_told_so(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await c.call("session.create", name="s")
        await c.call("queue.create", name="gone", session="s")
        await c.call("queue.create", name="other", session="s")
        waiting = asyncio.create_task(c.claim("gone", wait=5))
        await asyncio.sleep(0.2)
        await c.call("queue.delete", queue="gone")
        await c.enqueue("other", "run-bash")  # a waking event
        with pytest.raises(NotFoundError):
            await asyncio.wait_for(waiting, 5)
