"""Schedules over the socket: the schedule.* methods, their events, firing on the daemon's
own timer (``every 1`` fires about once a second: two slots one second apart, each fired
within a bound of its time), and refusals naming member and value."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from datetime import datetime

import pytest

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import NotFoundError, ValidationError
from tests.daemon_process import DaemonProcess
from tests.waiting import await_until


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


async def test_every_second_fires_about_once_a_second(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c, AsyncClient(daemon.socket) as watcher:
        await c.call("session.create", name="s")
        await c.call("queue.create", name="q", session="s")
        seen: list[dict] = []

        async def watch() -> None:
            async for event in watcher.subscribe(["schedule"]):
                seen.append(event)

        watching = asyncio.create_task(watch())
        made = await c.call(
            "schedule.create",
            name="tick",
            queue="q",
            tool="run-bash",
            payload={"script": "true"},
            every=1,
            overlap="allow",
        )

        await _methods_and_refusals(c)

        async def two() -> bool:
            listed = await c.call("task.list", queue="q", tool="run-bash", limit=20)
            return sum(t["schedule_id"] == made["id"] for t in listed["tasks"]) >= 2

        await await_until(two, 5.0, "two firings of an every-1 schedule")
        listed = (await c.call("task.list", queue="q", limit=20))["tasks"][::-1]
        tasks = [t for t in listed if t["schedule_id"] == made["id"]][:2]
        watching.cancel()
        slots = [_ts(t["scheduled_for"]) for t in tasks]
        assert all(t["schedule_id"] == made["id"] for t in tasks)
        assert [round(b - a, 3) for a, b in itertools.pairwise(slots)] == [1.0]
        late = sorted(_ts(t["created_at"]) - s for t, s in zip(tasks, slots, strict=True))
        print(
            f"\nschedule lateness (created - slot): p50 {statistics.median(late) * 1000:.1f} ms, "
            f"max {late[-1] * 1000:.1f} ms"
        )
        assert all(0 <= x < 0.5 for x in late), late
        shown = await c.call("schedule.get", schedule="tick")
        assert shown["runs"] >= 2 and shown["last_task_id"] is not None
        fired = [e for e in seen if e["type"] == "schedule.fired"]
        assert fired and fired[-1]["id"] == made["id"] and fired[-1]["task_id"]


async def _methods_and_refusals(c: AsyncClient) -> None:
    """Every schedule method once and the refusals (while ``tick`` fires meanwhile)."""
    made = await c.call(
        "schedule.create",
        name="nightly",
        queue="q",
        tool="run-bash",
        payload={"script": "make report"},
        cron="0 3 * * *",
        timezone="Europe/Berlin",
    )
    assert (made["timezone"], made["overlap"], made["catch_up"], made["enabled"]) == (
        "Europe/Berlin",
        "skip",
        "one",
        True,
    )
    listed = await c.call("schedule.list", queue="q")
    assert [s["name"] for s in listed["schedules"]] == ["nightly", "tick"]
    assert (await c.call("schedule.pause", schedule="nightly"))["next_run_at"] is None
    resumed = await c.call("schedule.resume", schedule="nightly")
    assert resumed["next_run_at"] == made["next_run_at"]
    ran = await c.call("schedule.run", schedule="nightly")
    assert ran["task"]["schedule_id"] == made["id"] and ran["schedule"]["runs"] == 1
    every = await c.call("schedule.update", schedule="nightly", every=3600)
    assert (every["cron"], every["every"]) == (None, 3600)
    for bad, words in (
        ({"cron": "61 3 * * *"}, "cron '61 3 * * *'"),
        ({"cron": "0 3 * * * 30"}, "seconds first"),
        ({"cron": "* * *"}, "cron '* * *' has 3 fields"),
        ({"cron": "0 3 * * *", "timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus'"),
        ({"every": 0}, "every 0"),
        ({"cron": "0 3 * * *", "every": 60}, "one of cron or every"),
    ):
        with pytest.raises(ValidationError) as refused:
            await c.call("schedule.create", name="bad", queue="q", tool="run-bash", **bad)
        assert words in refused.value.message, (bad, refused.value.message)
    with pytest.raises(NotFoundError):
        await c.call("schedule.get", schedule="nope")
    assert await c.call("schedule.delete", schedule="nightly") == {"deleted": True}
    assert [s["name"] for s in (await c.call("schedule.list"))["schedules"]] == ["tick"]
