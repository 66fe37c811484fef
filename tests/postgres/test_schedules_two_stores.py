"""Schedules with two daemons on one database: each slot fires exactly once, whether the
leader's timer fires it or both daemons try at the same moment."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import datetime

import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.store.base import TaskFilter
from sparkq_daemon.store.postgres.store import PgStore

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def pair(fresh_pg_url: str):
    stores = [PgStore(fresh_pg_url), PgStore(fresh_pg_url)]
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()


async def test_every_slot_fires_once_with_two_daemons(pair) -> None:
    a, b = pair
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    assert a.leads() != b.leads()  # one leader: its timer fires
    made = await b.schedule_create(
        {
            "name": "tick",
            "queue": "q",
            "tool": "run-bash",
            "cron": None,
            "every": 1,
            "timezone": "UTC",
            "payload_json": None,
            "overlap": "allow",
            "catch_up": "one",
            "enabled": True,
        }
    )
    started = time.monotonic()
    while time.monotonic() - started < 2.3:
        # Both daemons also try to fire, at once, again and again: the rows' locks decide.
        await asyncio.gather(a.fire_schedules(), b.fire_schedules())
        await asyncio.sleep(0.05)
    found = (await a.task_list(TaskFilter(queue="q"), 100, 0))["tasks"]
    slots = sorted(datetime.fromisoformat(t["scheduled_for"]).timestamp() for t in found)
    assert all(t["schedule_id"] == made["id"] for t in found)
    assert len(slots) == len(set(slots)), "a slot fired twice"
    assert 2 <= len(slots) <= 3
    assert [round(y - x, 3) for x, y in itertools.pairwise(slots)] == [1.0] * (len(slots) - 1)
