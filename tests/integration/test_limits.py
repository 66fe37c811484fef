"""Queue limits over the socket: concurrency never exceeded by racing runners, a rate limit
that spaces claims, the ``blocked`` answer, and refusals naming the bad member."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import pytest

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import ValidationError
from tests.daemon_process import DaemonProcess
from tests.wire import Wire


async def _queue_with(client: AsyncClient, n: int, **limits) -> None:
    await client.call("session.create", name="s")
    await client.call("queue.create", name="q", session="s")
    await client.call("queue.update", queue="q", **limits)
    items = [{"tool": "run-bash", "payload": {"n": i}} for i in range(n)]
    await client.call("task.enqueue_batch", queue="q", tasks=items)


async def _runner(socket, name: str, done: list[str], hold: float) -> None:
    """Claim (waiting) and complete, until cancelled."""
    async with AsyncClient(socket) as c:
        while True:
            task = await c.claim("q", worker=name, wait=5.0)
            if task is None:
                continue
            done.append(task["claimed_at"])
            await asyncio.sleep(hold)  # the task "runs"
            await c.call("task.complete", id=task["id"], worker=name)


async def _stop(runners: list[asyncio.Task]) -> None:
    for runner in runners:
        runner.cancel()
    await asyncio.gather(*runners, return_exceptions=True)


async def test_concurrency_2_holds_against_8_racing_runners(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c, AsyncClient(daemon.socket) as sampler:
        await _queue_with(c, 24, concurrency=2)
        claimed: list[str] = []
        runners = [
            asyncio.create_task(_runner(daemon.socket, f"w{i}", claimed, 0.01)) for i in range(8)
        ]
        samples: list[int] = []
        deadline = time.monotonic() + 20
        while (await sampler.call("queue.get", queue="q"))["counts"]["succeeded"] < 24:
            assert time.monotonic() < deadline, f"only {len(claimed)} of 24 claimed"
            # Sampled back to back the whole time: the queue's count and the rows themselves.
            shown = await sampler.call("queue.get", queue="q")
            rows = await sampler.call("task.list", queue="q", status="running", limit=10)
            samples += [shown["running"], rows["total"]]
        await _stop(runners)
        assert len(claimed) == 24
        assert max(samples) == 2, f"running seen: max {max(samples)} over {len(samples)} samples"
        final = await c.call("queue.get", queue="q")
        assert final["counts"]["succeeded"] == 24 and final["running"] == 0


async def test_a_rate_of_5_per_second_spaces_claims(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        await _queue_with(c, 8, rate_limit={"limit": 5, "per": 1})
        claimed: list[str] = []
        started = time.monotonic()
        runners = [
            asyncio.create_task(_runner(daemon.socket, f"w{i}", claimed, 0)) for i in range(4)
        ]
        deadline = time.monotonic() + 10
        while len(claimed) < 8:
            assert time.monotonic() < deadline, f"only {len(claimed)} of 8 claimed"
            await asyncio.sleep(0.02)
        await _stop(runners)
        assert len(claimed) == 8
        times = sorted(datetime.fromisoformat(t).timestamp() for t in claimed)
        # In any window of one second, at most 5 claims (the database's claim times).
        most = max(sum(1 for t in times if s <= t < s + 1 - 0.005) for s in times)
        late = times[5] - (times[0] + 1)  # the sixth claim waited for the first to leave
        print(f"\nrate 5/s: at most {most} claims in any 1 s window; 6th claim {late:.3f}s late")
        assert most == 5
        assert late + 0.005 >= 0 and late < 0.5
        assert time.monotonic() - started >= 1.0


def test_claim_says_why_and_bad_limits_are_refused(wire: Wire, queue: str) -> None:
    assert wire.call("task.claim", queue=queue) == {"task": None, "blocked": {"reason": "empty"}}
    wire.call("task.enqueue", queue=queue, tool="run-bash", payload={"script": "true"})
    limited = wire.call("queue.update", queue=queue, concurrency=1)
    assert (limited["concurrency"], limited["running"], limited["blocked"]) == (1, 0, None)
    assert wire.call("task.claim", queue=queue)["task"] is not None
    wire.call("task.enqueue", queue=queue, tool="run-bash", payload={"script": "true"})
    answer = wire.call("task.claim", queue=queue)
    assert answer == {"task": None, "blocked": {"reason": "concurrency"}}
    cleared = wire.call("queue.update", queue=queue, concurrency=None)
    assert cleared["concurrency"] is None
    wire.call("queue.update", queue=queue, rate_limit={"limit": 1, "per": 60})
    assert wire.call("task.claim", queue=queue)["task"] is not None
    wire.call("task.enqueue", queue=queue, tool="run-bash", payload={"script": "true"})
    answer = wire.call("task.claim", queue=queue)
    assert answer["blocked"]["reason"] == "rate"
    assert 58 < answer["blocked"]["retry_after"] <= 60
    assert wire.call("queue.get", queue=queue)["blocked"] == "rate"
    wire.call("queue.pause", queue=queue)
    assert wire.call("task.claim", queue=queue)["blocked"] == {"reason": "paused"}
    for bad, member in (
        ({"concurrency": 0}, "concurrency 0"),
        ({"concurrency": 1.5}, "concurrency 1.5"),
        ({"rate_limit": {"limit": 0, "per": 1}}, "rate_limit.limit 0"),
        ({"rate_limit": {"limit": 5, "per": 0}}, "rate_limit.per 0"),
        ({"rate_limit": {"limit": 5}}, "rate_limit.per None"),
        ({"rate_limit": "10/min"}, "rate_limit must be an object"),
    ):
        error = wire.error("queue.update", queue=queue, **bad)
        assert error["code"] == ValidationError.code, bad
        assert member in error["message"], (bad, error["message"])


@pytest.mark.sqlite_only
def test_limits_survive_a_restart(make_daemon) -> None:
    """The limits are stored with the queue (on PostgreSQL the database outlives daemons)."""
    first = make_daemon()
    with Wire(first.socket) as w:
        w.call("session.create", name="s")
        w.call("queue.create", name="q", session="s")
        w.call("queue.update", queue="q", concurrency=3, rate_limit={"limit": 10, "per": 60})
    first.stop()
    first.start()
    with Wire(first.socket) as w:
        shown = w.call("queue.get", queue="q")
    assert (shown["concurrency"], shown["rate_limit"]) == (3, {"limit": 10, "per": 60})
