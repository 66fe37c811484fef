"""``task.complete`` / ``task.fail`` with ``claim_next``: the report and the next claim in one
call and one commit."""

from __future__ import annotations

import asyncio

import pytest

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import ConflictError, ValidationError
from tests.daemon_process import DaemonProcess
from tests.integration.statuses import ZERO_COUNTS
from tests.waiting import await_until


async def _queue_with(client: AsyncClient, n: int, name: str = "q") -> list[dict]:
    await client.call("session.create", name=f"s-{name}")
    await client.call("queue.create", name=name, session=f"s-{name}")
    if not n:
        return []
    items = [{"tool": "run-bash", "payload": {"n": i}} for i in range(n)]
    return (await client.call("task.enqueue_batch", queue=name, tasks=items))["tasks"]


async def test_complete_returns_the_finished_task_and_the_next_claimed(
    daemon: DaemonProcess,
) -> None:
    async with AsyncClient(daemon.socket) as c:
        made = await _queue_with(c, 2)
        first = await c.claim("q", worker="w")
        reply = await c.call(
            "task.complete", id=first["id"], worker="w", result=1, claim_next={"queue": "q"}
        )
        assert reply["task"]["id"] == made[0]["id"]
        assert reply["task"]["status"] == "succeeded"
        assert reply["next"]["id"] == made[1]["id"]
        assert reply["next"]["status"] == "running" and reply["next"]["worker"] == "w"
        last = await c.call(
            "task.fail", id=reply["next"]["id"], worker="w", error="x", claim_next={"queue": "q"}
        )
        assert last["task"]["status"] == "failed" and last["next"] is None
        counts = (await c.call("queue.get", queue="q"))["counts"]
        assert counts == {**ZERO_COUNTS, "queued": 0, "running": 0, "succeeded": 1, "failed": 1}


async def test_without_claim_next_the_reply_is_the_task_as_before(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await _queue_with(c, 2)
        task = await c.claim("q", worker="w")
        reply = await c.call("task.complete", id=task["id"])
        assert reply["id"] == task["id"] and reply["status"] == "succeeded"
        assert (await c.call("queue.get", queue="q"))["counts"]["queued"] == 1


async def test_claim_next_waits_for_work(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c, AsyncClient(daemon.socket) as producer:
        await _queue_with(c, 1)
        task = await c.claim("q", worker="w")
        reply = asyncio.ensure_future(
            c.call("task.complete", id=task["id"], worker="w", claim_next={"wait": 10})
        )

        # The completion is committed at once, before any task comes for the waiting claim.
        async def finished() -> bool:
            got = await producer.call("task.get", id=task["id"])
            return got["status"] == "succeeded"

        await await_until(finished, 2.0, "the completion to be committed")
        assert not reply.done()
        later = await producer.enqueue("q", "run-bash", {"script": "true"})
        answer = await asyncio.wait_for(reply, 5)
        assert answer["next"]["id"] == later["id"]


async def test_a_refused_report_claims_nothing(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await _queue_with(c, 2)
        task = await c.claim("q", worker="w")
        with pytest.raises(ConflictError):
            await c.call("task.complete", id=task["id"], worker="other", claim_next={})
        counts = (await c.call("queue.get", queue="q"))["counts"]
        assert counts["running"] == 1 and counts["queued"] == 1


async def test_a_refused_claim_keeps_the_report(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await _queue_with(c, 1)
        task = await c.claim("q", worker="w")
        reply = await c.call(
            "task.complete", id=task["id"], worker="w", claim_next={"queue": "gone"}
        )
        assert reply["task"]["status"] == "succeeded"
        assert reply["next"] is None
        assert reply["next_error"]["data"]["type"] == "NotFound"
        assert "gone" in reply["next_error"]["message"]


@pytest.mark.parametrize(
    ("claim_next", "named"),
    [("q", "claim_next"), ({"wait": 61}, "61"), ({"colour": 1}, "colour")],
)
async def test_bad_claim_next_is_refused_naming_the_value(
    daemon: DaemonProcess, claim_next: object, named: str
) -> None:
    async with AsyncClient(daemon.socket) as c:
        await _queue_with(c, 1)
        task = await c.claim("q", worker="w")
        with pytest.raises(ValidationError) as caught:
            await c.call("task.complete", id=task["id"], claim_next=claim_next)
        assert named in caught.value.message
        assert (await c.call("task.get", id=task["id"]))["status"] == "running"


async def test_racing_runners_using_claim_next_never_share_a_task(daemon: DaemonProcess) -> None:
    total = 2000
    async with AsyncClient(daemon.socket) as setup:
        await setup.call("session.create", name="s")
        await setup.call("queue.create", name="q", session="s")
        for start in range(0, total, 1000):
            items = [{"tool": "run-bash", "payload": {"n": i}} for i in range(start, start + 1000)]
            await setup.call("task.enqueue_batch", queue="q", tasks=items)

    async def runner(worker: str) -> list[str]:
        got: list[str] = []
        async with AsyncClient(daemon.socket) as c:
            task = await c.claim("q", worker=worker)
            while task is not None:
                got.append(task["id"])
                reply = await c.call(
                    "task.complete", id=task["id"], worker=worker, claim_next={"queue": "q"}
                )
                task = reply["next"]
        return got

    results = await asyncio.gather(*(runner(f"w{i}") for i in range(8)))
    claimed = [tid for r in results for tid in r]
    assert len(claimed) == total and len(set(claimed)) == total
    assert sum(1 for r in results if r) >= 2
    async with AsyncClient(daemon.socket) as c:
        counts = (await c.call("queue.get", queue="q"))["counts"]
    assert counts == {**ZERO_COUNTS, "queued": 0, "running": 0, "succeeded": total, "failed": 0}
