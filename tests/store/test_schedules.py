"""Schedules: stored with their next slot, fired in the transaction that advances it, in a
time zone across daylight-saving changes, with the overlap and catch-up policies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sparkq_daemon.store.base import ClaimParams, Event, FinishParams, Queue, Store
from sparkq_daemon.store.sqlite.store import SqliteStore
from tests.store.engines import seed
from tests.store.fake_clock import FakeClock
from tests.store.helpers import all_tasks, types


def spec(name: str = "nightly", **over) -> dict:
    base = {
        "name": name,
        "queue": "q",
        "tool": "run-bash",
        "cron": None,
        "every": None,
        "timezone": "UTC",
        "payload": {"script": "true"},
        "payload_json": '{"script": "true"}',
        "overlap": "skip",
        "catch_up": "one",
        "enabled": True,
    }
    return {**base, **over}


def unix(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


async def fire_next(store: Store, clock: FakeClock, name: str) -> list[dict]:
    """Move the clock to the schedule's next slot and fire: the tasks it made."""
    due = unix((await store.schedule_get(name))["next_run_at"])
    clock.advance(due - clock.time())
    before = {t["id"] for t in await all_tasks(store)}
    await store.fire_schedules()
    return [t for t in await all_tasks(store) if t["id"] not in before]


async def test_create_list_get_update_pause_resume_delete(store: Store, queue: Queue) -> None:
    made = await store.schedule_create(spec(every=3600))
    assert (made["name"], made["queue_id"], made["every"], made["runs"]) == (
        "nightly",
        queue["id"],
        3600,
        0,
    )
    assert made["enabled"] and made["next_run_at"] is not None
    assert [s["id"] for s in await store.schedule_list(None)] == [made["id"]]
    assert [s["id"] for s in await store.schedule_list("q")] == [made["id"]]
    assert (await store.schedule_get("nightly"))["id"] == made["id"]
    changed = await store.schedule_update(
        made["id"], {"cron": "0 3 * * *", "every": None, "timezone": "Europe/Berlin"}
    )
    assert (changed["cron"], changed["every"], changed["timezone"]) == (
        "0 3 * * *",
        None,
        "Europe/Berlin",
    )
    local = datetime.fromisoformat(changed["next_run_at"]).astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (3, 0)
    paused = await store.schedule_set_enabled("nightly", False)
    assert (paused["enabled"], paused["next_run_at"]) == (False, None)
    resumed = await store.schedule_set_enabled("nightly", True)
    assert resumed["enabled"] and resumed["next_run_at"] == changed["next_run_at"]
    assert await store.schedule_delete("nightly") == {"deleted": True}
    assert await store.schedule_list(None) == []


async def test_run_now_enqueues_once_and_keeps_the_next_slot(
    store: Store, queue: Queue, events: list[Event]
) -> None:
    made = await store.schedule_create(spec(every=3600))
    ran = await store.schedule_run("nightly")
    task = ran["task"]
    assert (task["schedule_id"], task["status"], task["tool"]) == (made["id"], "queued", "run-bash")
    assert task["payload"] == {"script": "true"} and task["scheduled_for"] is not None
    assert (await store.task_get(task["id"]))["schedule_id"] == made["id"]
    assert ran["schedule"]["runs"] == 1 and ran["schedule"]["last_task_id"] == task["id"]
    assert ran["schedule"]["next_run_at"] == made["next_run_at"]
    assert "schedule.fired" in types(events) and "task.enqueued" in types(events)


@pytest.mark.needs_clock
async def test_every_fires_once_per_slot_in_the_advancing_transaction(
    store: Store, queue: Queue, clock: FakeClock, events: list[Event]
) -> None:
    made = await store.schedule_create(spec(every=60, overlap="allow"))
    first = unix(made["next_run_at"])
    assert first == pytest.approx(clock.time() + 60, abs=0.01)
    [task] = await fire_next(store, clock, "nightly")
    assert unix(task["scheduled_for"]) == first
    assert await store.fire_schedules() == 0  # the slot is spent
    shown = await store.schedule_get("nightly")
    assert unix(shown["next_run_at"]) == first + 60 and shown["runs"] == 1
    [second] = await fire_next(store, clock, "nightly")
    assert unix(second["scheduled_for"]) == first + 60  # anchored: no drift
    fired = [e for e in events if e["type"] == "schedule.fired"]
    assert [e["task_id"] for e in fired] == [task["id"], second["id"]]


DST_CASES = [
    # (zone, cron, first local day, expected local slots)
    (
        "Europe/Berlin",
        "30 2 * * *",
        (2027, 3, 27),
        ["2027-03-27T02:30:00+01:00", "2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00"],
    ),
    (
        "Europe/Berlin",
        "30 2 * * *",
        (2027, 10, 30),
        ["2027-10-30T02:30:00+02:00", "2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00"],
    ),
    (
        "Europe/Berlin",
        "0 * * * *",
        (2027, 10, 31),
        [
            "2027-10-31T01:00:00+02:00",
            "2027-10-31T02:00:00+02:00",
            "2027-10-31T02:00:00+01:00",
            "2027-10-31T03:00:00+01:00",
        ],
    ),
    (
        "America/New_York",
        "30 2 * * *",
        (2027, 3, 13),
        ["2027-03-13T02:30:00-05:00", "2027-03-14T03:00:00-04:00", "2027-03-15T02:30:00-04:00"],
    ),
    (
        "America/New_York",
        "30 1 * * *",
        (2027, 11, 6),
        ["2027-11-06T01:30:00-04:00", "2027-11-07T01:30:00-04:00", "2027-11-08T01:30:00-05:00"],
    ),
]


@pytest.mark.needs_clock
@pytest.mark.parametrize(("zone", "cron", "day", "expected"), DST_CASES)
async def test_daylight_saving(
    store: Store, queue: Queue, clock: FakeClock, zone: str, cron: str, day, expected
) -> None:
    """Spring: a time in the gap fires just after it. Autumn: a fixed time fires once, an
    hourly wildcard at both 02:00s."""
    start = datetime(*day, 0, 30, tzinfo=ZoneInfo(zone)).timestamp()
    clock.advance(start - clock.time())
    await store.schedule_create(spec(cron=cron, timezone=zone, overlap="allow"))
    seen = []
    for _ in expected:
        [task] = await fire_next(store, clock, "nightly")
        slot = datetime.fromisoformat(task["scheduled_for"]).astimezone(ZoneInfo(zone))
        seen.append(slot.isoformat())
    assert seen == expected


@pytest.mark.needs_clock
async def test_overlap_skip_waits_for_the_previous_task(
    store: Store, queue: Queue, clock: FakeClock, events: list[Event]
) -> None:
    await store.schedule_create(spec(every=60))
    [task] = await fire_next(store, clock, "nightly")
    assert await fire_next(store, clock, "nightly") == []  # still queued: the slot is missed
    missed = [e for e in events if e["type"] == "schedule.missed"]
    assert [(e["slots"], e["reason"]) for e in missed] == [(1, "overlap")]
    assert (await store.schedule_get("nightly"))["missed"] == 1
    claimed = await store.task_claim(ClaimParams(id=task["id"], worker="w"))
    await store.task_finish(FinishParams(ref=claimed["id"], status="succeeded"))
    assert len(await fire_next(store, clock, "nightly")) == 1


@pytest.mark.needs_clock
@pytest.mark.sqlite_only
@pytest.mark.parametrize(("policy", "fired"), [("one", 1), ("none", 0)])
async def test_catch_up_after_a_restart(
    tmp_path: Path, clock: FakeClock, policy: str, fired: int
) -> None:
    path = tmp_path / "sparkq.db"
    store = SqliteStore(path, clock=clock)
    await store.open()
    await seed(store)
    await store.session_create("s", None)
    await store.queue_create("q", "s", None)
    made = await store.schedule_create(spec(every=60, catch_up=policy))
    await store.close()
    clock.advance(60 * 10 + 5)  # down for ten slots
    again = SqliteStore(path, clock=clock)
    await again.open()
    try:
        made_tasks = await all_tasks(again)
        assert len(made_tasks) == fired
        shown = await again.schedule_get("nightly")
        assert shown["missed"] == 10 - fired
        assert unix(shown["next_run_at"]) > clock.time()
        if fired:  # the latest slot, once
            assert unix(made_tasks[0]["scheduled_for"]) == unix(made["next_run_at"]) + 9 * 60
    finally:
        await again.close()


async def test_a_deleted_queue_takes_its_schedules(store: Store, queue: Queue) -> None:
    await store.schedule_create(spec(every=60))
    await store.queue_delete("q")
    assert await store.schedule_list(None) == []
