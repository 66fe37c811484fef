"""Unique keys and dependencies over the socket, on both engines: racing same-key enqueues
from many connections create one task; chains run in order under a real runner, a failure
cancels its chain and its requeue brings it back; bad input is refused naming the member."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
    with Wire(daemon.socket) as wire:
        assert sum(wire.call("queue.get", queue="q")["counts"].values()) == 1
        [the_id] = ids
        wire.call("task.claim", id=the_id, worker="w")
        wire.call("task.complete", id=the_id)
        fresh = wire.call("task.enqueue", queue="q", tool="run-bash", unique_key="nightly")
        assert not fresh["duplicate"] and fresh["id"] != the_id  # the key is free again
        _bad_input_is_refused_naming_the_member(wire, "q")


def _bad_input_is_refused_naming_the_member(wire: Wire, queue: str) -> None:
    before = wire.call("queue.get", queue=queue)["counts"]
    for key, shown in (("", "''"), ("k" * 257, "257 characters"), (7, "7")):
        error = wire.error("task.enqueue", queue=queue, tool="run-bash", unique_key=key)
        assert error["code"] == -32602 and "unique_key" in error["message"], error
        assert shown in error["message"], error
    unknown = ["tsk_fff000000000"]
    error = wire.error("task.enqueue", queue=queue, tool="run-bash", depends_on=unknown)
    assert error["code"] == -32004 and "tsk_fff000000000" in error["message"]
    error = wire.error("task.enqueue", queue=queue, tool="run-bash", depends_on=[0])
    assert error["code"] == -32602 and "depends_on" in error["message"]
    batch = [{"tool": "run-bash"}, {"tool": "run-bash", "depends_on": [1]}]
    error = wire.error("task.enqueue_batch", queue=queue, tasks=batch)
    assert error["code"] == -32602 and "itself" in error["message"], error
    batch = [{"tool": "run-bash", "depends_on": [1]}, {"tool": "run-bash"}]
    error = wire.error("task.enqueue_batch", queue=queue, tasks=batch)
    assert error["code"] == -32602 and "not an earlier item" in error["message"], error
    assert wire.call("queue.get", queue=queue)["counts"] == before  # nothing created


def _chain(wire: Wire, queue: str, log: Path, first: str) -> list[dict]:
    """A→B→C in one batch: each appends its letter to ``log`` (A runs ``first``)."""
    items = [
        {"tool": "run-bash", "payload": {"script": f"{first}\necho A >> {log}"}},
        {"tool": "run-bash", "payload": {"script": f"echo B >> {log}"}, "depends_on": [0]},
        {"tool": "run-bash", "payload": {"script": f"echo C >> {log}"}, "depends_on": [1]},
    ]
    return wire.call("task.enqueue_batch", queue=queue, tasks=items)["tasks"]


def test_chains_run_in_order_and_a_failure_cancels_one_until_its_requeue(
    daemon: DaemonProcess, wire: Wire, queue: str, tmp_path: Path
) -> None:
    good_log, bad_log = tmp_path / "good.log", tmp_path / "bad.log"
    bad = _chain(wire, queue, bad_log, "exit 3")
    good = _chain(wire, queue, good_log, "true")
    assert [t["status"] for t in good] == ["queued", "blocked", "blocked"]
    assert good[2]["blocked_by"] == [good[1]["id"]]
    done = run_runner(daemon, "--queue", queue, "--drain", "--concurrency", "1")
    assert done.returncode == 1, done.stderr  # --drain saw a failure
    assert good_log.read_text().split() == ["A", "B", "C"]
    assert {wire.call("task.get", id=t["id"])["status"] for t in good} == {"succeeded"}
    a, b, c = bad
    for t, cause in ((b, a), (c, b)):
        now = wire.call("task.get", id=t["id"])
        assert (now["status"], now["reason"]) == ("cancelled", "dependency")
        assert cause["friendly_id"] in now["error"]
    assert not bad_log.exists()
    assert wire.call("task.requeue", id=a["id"])["status"] == "queued"
    b_now = wire.call("task.get", id=b["id"])
    assert (b_now["status"], b_now["blocked_by"]) == ("blocked", [a["id"]])
    assert wire.call("task.get", id=c["id"])["status"] == "blocked"
    types = [e["type"] for e in wire.call("task.events", id=b["id"])["events"]]
    assert types == ["enqueued", "blocked", "cancelled", "blocked"]
