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
        await _says_why_and_refuses(c)
        deadline = time.monotonic() + 10
        while len(claimed) < 8:
            assert time.monotonic() < deadline, f"only {len(claimed)} of 8 claimed"
            await asyncio.sleep(0.02)
        await _stop(runners)
        assert len(claimed) == 8
        times = sorted(datetime.fromisoformat(t).timestamp() for t in claimed)
        # In any window of one second, at most 5 claims (the database's claim times, which
        # are the limiter's own stamps; 10 µs for the rounding of the ISO times).
        most = max(sum(1 for t in times if s <= t < s + 1 - 0.00001) for s in times)
        late = times[5] - (times[0] + 1)  # the sixth claim waited for the first to leave
        print(f"\nrate 5/s: at most {most} claims in any 1 s window; 6th claim {late:.3f}s late")
        assert most == 5
        assert late + 0.00001 >= 0 and late < 0.5
        assert time.monotonic() - started >= 1.0


async def _says_why_and_refuses(c: AsyncClient) -> None:
    """The blocked answer for each reason, and refusals naming member and value (on queue
    ``w``, while the rate test's runners wait out their window)."""
    await c.call("queue.create", name="w", session="s")
    assert await c.call("task.claim", queue="w") == {"task": None, "blocked": {"reason": "empty"}}
    await c.call("task.enqueue_batch", queue="w", tasks=[{"tool": "run-bash"}] * 3)
    limited = await c.call("queue.update", queue="w", concurrency=1)
    assert (limited["concurrency"], limited["running"], limited["blocked"]) == (1, 0, None)
    assert (await c.call("task.claim", queue="w"))["task"] is not None
    answer = await c.call("task.claim", queue="w")
    assert answer == {"task": None, "blocked": {"reason": "concurrency"}}
    rate = {"queue": "w", "concurrency": None, "rate_limit": {"limit": 1, "per": 60}}
    cleared = await c.call("queue.update", rate)  # a dict: None is sent, as null
    assert cleared["concurrency"] is None
    assert (await c.call("task.claim", queue="w"))["task"] is not None
    answer = await c.call("task.claim", queue="w")
    assert answer["blocked"]["reason"] == "rate"
    assert 58 < answer["blocked"]["retry_after"] <= 60
    assert (await c.call("queue.get", queue="w"))["blocked"] == "rate"
    await c.call("queue.pause", queue="w")
    assert (await c.call("task.claim", queue="w"))["blocked"] == {"reason": "paused"}
    for bad, member in (
        ({"concurrency": 0}, "concurrency 0"),
        ({"concurrency": 1.5}, "concurrency 1.5"),
        ({"rate_limit": {"limit": 0, "per": 1}}, "rate_limit.limit 0"),
        ({"rate_limit": {"limit": 5, "per": 0}}, "rate_limit.per 0"),
        ({"rate_limit": {"limit": 5}}, "rate_limit.per None"),
        ({"rate_limit": "10/min"}, "rate_limit must be an object"),
    ):
        with pytest.raises(ValidationError) as refused:
            await c.call("queue.update", queue="w", **bad)
        assert member in refused.value.message, (bad, refused.value.message)
