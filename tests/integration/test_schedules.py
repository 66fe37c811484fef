"""Schedules over the socket: the schedule.* methods, their events, firing on the daemon's
own timer (``every 1`` fires about once a second), and refusals naming member and value."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from datetime import datetime

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import ValidationError
from tests.daemon_process import DaemonProcess
from tests.waiting import await_until
from tests.wire import Wire


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

        async def three() -> bool:
            listed = await c.call("task.list", queue="q", limit=10)
            return listed["total"] >= 3

        await await_until(three, 6.0, "three firings of an every-1 schedule")
        tasks = (await c.call("task.list", queue="q", limit=10))["tasks"][::-1][:3]
        watching.cancel()
        slots = [_ts(t["scheduled_for"]) for t in tasks]
        assert all(t["schedule_id"] == made["id"] for t in tasks)
        assert [round(b - a, 3) for a, b in itertools.pairwise(slots)] == [1.0] * 2
        late = sorted(_ts(t["created_at"]) - s for t, s in zip(tasks, slots, strict=True))
        print(
            f"\nschedule lateness (created - slot): p50 {statistics.median(late) * 1000:.1f} ms, "
            f"max {late[-1] * 1000:.1f} ms"
        )
        assert all(0 <= x < 0.5 for x in late), late
        shown = await c.call("schedule.get", schedule="tick")
        assert shown["runs"] >= 3 and shown["last_task_id"] is not None
        fired = [e for e in seen if e["type"] == "schedule.fired"]
        assert fired and fired[-1]["id"] == made["id"] and fired[-1]["task_id"]


def test_schedule_methods_and_refusals(wire: Wire, queue: str) -> None:
    made = wire.call(
        "schedule.create",
        name="nightly",
        queue=queue,
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
    assert [s["name"] for s in wire.call("schedule.list")["schedules"]] == ["nightly"]
    assert wire.call("schedule.pause", schedule="nightly")["next_run_at"] is None
    assert wire.call("schedule.resume", schedule="nightly")["next_run_at"] == made["next_run_at"]
    ran = wire.call("schedule.run", schedule="nightly")
    assert ran["task"]["schedule_id"] == made["id"] and ran["schedule"]["runs"] == 1
    every = wire.call("schedule.update", schedule="nightly", every=3600)
    assert (every["cron"], every["every"]) == (None, 3600)
    for bad, words in (
        ({"cron": "61 3 * * *"}, "cron '61 3 * * *'"),
        ({"cron": "0 3 * * * 30"}, "seconds first"),
        ({"cron": "* * *"}, "cron '* * *' has 3 fields"),
        ({"cron": "0 3 * * *", "timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus'"),
        ({"every": 0}, "every 0"),
        ({"cron": "0 3 * * *", "every": 60}, "one of cron or every"),
    ):
        error = wire.error(
            "schedule.create", name="bad", queue=queue, tool="run-bash", payload=None, **bad
        )
        assert error["code"] == ValidationError.code, bad
        assert words in error["message"], (bad, error["message"])
    assert wire.error("schedule.get", schedule="nope")["code"] != ValidationError.code
    assert wire.call("schedule.delete", schedule="nightly") == {"deleted": True}
    assert wire.call("schedule.list")["schedules"] == []
