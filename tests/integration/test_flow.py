"""Unique keys and dependencies over the socket, on both engines: racing same-key enqueues
from many connections create one task; a chain runs in order under a real runner; a failure
cancels the chain and its requeue brings it back; bad input is refused naming the member."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sparkq_tui.client import AsyncClient
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import run_runner
from tests.wire import Wire


async def test_fifty_racing_same_key_enqueues_from_ten_connections_make_one_task(
    daemon: DaemonProcess,
) -> None:
    async with AsyncClient(daemon.socket) as setup:
        await setup.call("session.create", name="s")
        await setup.call("queue.create", name="q", session="s")

    async def sender() -> list[dict]:
        async with AsyncClient(daemon.socket) as c:
            calls = [
                c.call("task.enqueue", queue="q", tool="run-bash", unique_key="nightly")
                for _ in range(5)
            ]
            return list(await asyncio.gather(*calls))

    replies = [t for batch in await asyncio.gather(*(sender() for _ in range(10))) for t in batch]
    assert len(replies) == 50
    ids = {t["id"] for t in replies}
    assert len(ids) == 1, ids
    assert sum(not t["duplicate"] for t in replies) == 1
    assert all(t["unique_key"] == "nightly" for t in replies)
    async with AsyncClient(daemon.socket) as c:
        counts = (await c.call("queue.get", queue="q"))["counts"]
        assert sum(counts.values()) == 1
        [the_id] = ids
        await c.call("task.claim", id=the_id, worker="w")
        await c.call("task.complete", id=the_id)
        fresh = await c.call("task.enqueue", queue="q", tool="run-bash", unique_key="nightly")
        assert not fresh["duplicate"] and fresh["id"] != the_id  # the key is free again


def test_bad_keys_and_dependencies_are_refused_naming_the_member(wire: Wire, queue: str) -> None:
    def refused(method: str, **params) -> dict:
        return wire.error(method, **params)

    for key, shown in (("", "''"), ("k" * 257, "257 characters"), (7, "7")):
        error = refused("task.enqueue", queue=queue, tool="run-bash", unique_key=key)
        assert error["code"] == -32602 and "unique_key" in error["message"], error
        assert shown in error["message"], error
    error = refused("task.enqueue", queue=queue, tool="run-bash", depends_on=["tsk_fff000000000"])
    assert error["code"] == -32004 and "tsk_fff000000000" in error["message"]
    error = refused("task.enqueue", queue=queue, tool="run-bash", depends_on=[0])
    assert error["code"] == -32602 and "depends_on" in error["message"]
    batch = [{"tool": "run-bash"}, {"tool": "run-bash", "depends_on": [1]}]
    error = refused("task.enqueue_batch", queue=queue, tasks=batch)
    assert error["code"] == -32602 and "itself" in error["message"], error
    batch = [{"tool": "run-bash", "depends_on": [1]}, {"tool": "run-bash"}]
    error = refused("task.enqueue_batch", queue=queue, tasks=batch)
    assert error["code"] == -32602 and "not an earlier item" in error["message"], error
    assert wire.call("queue.get", queue=queue)["counts"]["queued"] == 0  # nothing created


def _chain(wire: Wire, queue: str, log: Path, first: str) -> list[dict]:
    """A→B→C in one batch: each appends its letter to ``log`` (A runs ``first``)."""
    items = [
        {"tool": "run-bash", "payload": {"script": f"{first}\necho A >> {log}"}},
        {"tool": "run-bash", "payload": {"script": f"echo B >> {log}"}, "depends_on": [0]},
        {"tool": "run-bash", "payload": {"script": f"echo C >> {log}"}, "depends_on": [1]},
    ]
    return wire.call("task.enqueue_batch", queue=queue, tasks=items)["tasks"]


def test_a_chain_runs_in_order_under_a_runner(
    daemon: DaemonProcess, wire: Wire, queue: str, tmp_path: Path
) -> None:
    log = tmp_path / "order.log"
    a, b, c = _chain(wire, queue, log, "true")
    assert [t["status"] for t in (a, b, c)] == ["queued", "blocked", "blocked"]
    assert c["blocked_by"] == [b["id"]]
    done = run_runner(daemon, "--queue", queue, "--drain", "--concurrency", "1")
    assert done.returncode == 0, done.stderr
    assert log.read_text().split() == ["A", "B", "C"]
    assert {wire.call("task.get", id=t["id"])["status"] for t in (a, b, c)} == {"succeeded"}


def test_a_failure_cancels_the_chain_and_its_requeue_brings_it_back(
    daemon: DaemonProcess, wire: Wire, queue: str, tmp_path: Path
) -> None:
    log = tmp_path / "order.log"
    a, b, c = _chain(wire, queue, log, "exit 3")
    done = run_runner(daemon, "--queue", queue, "--drain", "--concurrency", "1")
    assert done.returncode == 1  # --drain saw a failure
    for t, cause in ((b, a), (c, b)):
        now = wire.call("task.get", id=t["id"])
        assert (now["status"], now["reason"]) == ("cancelled", "dependency")
        assert cause["friendly_id"] in now["error"]
    assert not log.exists()
    requeued = wire.call("task.requeue", id=a["id"])
    assert requeued["status"] == "queued"
    b_now = wire.call("task.get", id=b["id"])
    assert (b_now["status"], b_now["blocked_by"]) == ("blocked", [a["id"]])
    assert wire.call("task.get", id=c["id"])["status"] == "blocked"
    types = [e["type"] for e in wire.call("task.events", id=b["id"])["events"]]
    assert types == ["enqueued", "blocked", "cancelled", "blocked"]


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_depending_on_a_finished_task(wire: Wire, queue: str, status: str) -> None:
    dep = wire.call("task.enqueue", queue=queue, tool="run-bash")
    wire.call("task.claim", id=dep["id"], worker="w")
    if status == "succeeded":
        wire.call("task.complete", id=dep["id"])
    else:
        wire.call("task.fail", id=dep["id"], error="boom", retry=False)
    task = wire.call("task.enqueue", queue=queue, tool="run-bash", depends_on=[dep["friendly_id"]])
    assert task["depends_on"] == [dep["id"]]
    if status == "succeeded":
        assert (task["status"], task["blocked_by"]) == ("queued", [])
    else:
        assert (task["status"], task["reason"]) == ("cancelled", "dependency")
