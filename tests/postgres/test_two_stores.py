"""Two PgStores on one database in one process: events, gaps, leadership, wake-ups."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.store.base import ClaimParams, FinishParams
from sparkq_daemon.store.postgres.store import PgStore
from tests.integration.statuses import ZERO_COUNTS
from tests.postgres.scenario import item

pytestmark = pytest.mark.timeout(60)


async def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.fixture
async def pair(fresh_pg_url: str):
    stores = [PgStore(fresh_pg_url), PgStore(fresh_pg_url)]
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()


async def test_events_reach_the_other_store_once_and_gaps_become_overflow(
    pair, fresh_pg_url: str
) -> None:
    a, b = pair
    seen_a: list[dict] = []
    seen_b: list[dict] = []
    gaps: list[str] = []
    a.on_commit, b.on_commit = seen_a.extend, seen_b.extend
    b.on_gap = lambda: gaps.append("gap")
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    await a.task_enqueue("q", [item() for _ in range(300)])  # several notifications
    await _until(lambda: len(seen_b) == len(seen_a), 5, "B to receive A's events")
    assert all(e.pop("remote") is True for e in seen_b)  # relayed copies say so
    assert seen_b == seen_a  # same events, same order, nothing twice
    assert [e["type"] for e in seen_a].count("task.enqueued") == 300
    conn = await asyncpg.connect(fresh_pg_url)
    try:
        await conn.execute("SELECT sparkq_notify_events('elsewhere', ARRAY[repeat('x', 8000)])")
    finally:
        await conn.close()
    await _until(lambda: gaps == ["gap"], 5, "the gap marker")


async def test_exactly_one_store_leads_and_the_other_takes_over_on_close(pair) -> None:
    a, b = pair
    await _until(lambda: a.leads() != b.leads(), 10, "one leader")
    leader, other = (a, b) if a.leads() else (b, a)
    await leader.close()
    await _until(other.leads, 5, "the other store to lead after the leader resigned")


async def test_a_waiting_claim_is_served_by_an_enqueue_through_the_other_store(pair) -> None:
    a, b = pair
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    waiting = [
        asyncio.create_task(b.task_claim(ClaimParams(queue="q", worker=f"w{n}", wait=10)))
        for n in range(3)
    ]
    await _until(lambda: b.waiting.standing() == 3, 5, "three standing claims")
    started = time.monotonic()
    made = await a.task_enqueue("q", [item() for _ in range(2)])
    await _until(lambda: sum(t.done() for t in waiting) == 2, 5, "two claimers served")
    assert time.monotonic() - started < 1.5  # by the notification, not the 2 s poll
    done = [t for t in waiting if t.done()]
    pending = {t for t in waiting if not t.done()}
    got = sorted(t.result()["id"] for t in done)
    assert got == sorted(t["id"] for t in made)
    assert [t.result()["worker"] for t in waiting[:2]] == ["w0", "w1"]  # first come first served
    late = await a.task_enqueue("q", [item()])
    assert (await asyncio.wait_for(pending.pop(), 5))["id"] == late[0]["id"]


async def test_a_lone_store_sends_no_notifications_until_another_starts(fresh_pg_url: str) -> None:
    heard: list[str] = []
    spy = await asyncpg.connect(fresh_pg_url)
    await spy.add_listener("sparkq_events", lambda *args: heard.append(args[3]))
    a = PgStore(fresh_pg_url)
    b = PgStore(fresh_pg_url)
    try:
        await a.open()
        await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
        await a.session_create("s", "")
        await a.queue_create("q", "s", "")
        await a.task_enqueue("q", [item()])
        await spy.execute("SELECT 1")  # a round trip: notifications sent by now have arrived
        assert heard == []  # alone: nobody to tell (NOTIFY would serialise its commits)
        seen_b: list[dict] = []
        b.on_commit = seen_b.extend
        await b.open()
        await _until(lambda: a.db.peers, 2, "A to learn of B")
        made = await a.task_enqueue("q", [item()])
        await _until(lambda: len(seen_b) == 1, 5, "B to receive A's event")
        assert seen_b[0]["id"] == made[0]["id"]
    finally:
        await b.close()
        await a.close()
        await spy.close()


async def test_a_daemon_clock_ahead_by_an_hour_sweeps_nothing_early(
    pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    await a.task_enqueue("q", [item(timeout=60)])
    claimed = await a.task_claim(ClaimParams(queue="q", worker="w"))
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)  # the sweeping daemon's clock
    outcome = await b.sweep()
    assert (outcome.warned, outcome.failed) == ([], [])
    assert (await b.task_get(claimed["id"]))["status"] == "running"


async def test_a_waiting_claim_survives_a_lost_listen_connection(pair, fresh_pg_url: str) -> None:
    a, b = pair
    gaps: list[str] = []
    b.on_gap = lambda: gaps.append("gap")
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    claim = asyncio.create_task(b.task_claim(ClaimParams(queue="q", worker="w", wait=15)))
    await _until(lambda: b.waiting.standing() == 1, 5, "a standing claim")
    conn = await asyncpg.connect(fresh_pg_url)
    try:
        # Its notification is sent while B cannot hear it.
        await conn.execute("SELECT pg_terminate_backend($1)", b.listener.conn.get_server_pid())
        made = await a.task_enqueue("q", [item()])
    finally:
        await conn.close()
    started = time.monotonic()
    task = await asyncio.wait_for(claim, 10)
    assert task["id"] == made[0]["id"]
    assert time.monotonic() - started < 4  # the reconnect's poll, or the 2 s fallback poll
    await _until(lambda: gaps == ["gap"], 5, "subscribers told to resynchronise")


async def test_many_waiting_claimers_each_task_once_none_stranded(pair) -> None:
    a, b = pair
    await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
    await a.session_create("s", "")
    await a.queue_create("q", "s", "")
    total = 400
    claimed: list[str] = []
    stop = asyncio.Event()

    async def claimer(n: int) -> None:
        store = (a, b)[n % 2]
        while not stop.is_set():
            task = await store.task_claim(
                ClaimParams(queue="q", worker=f"w{n}", wait=0.3, give_up=(stop,))
            )
            if task is not None:
                claimed.append(task["id"])
                await store.task_finish(FinishParams(task["id"], "succeeded"))

    claimers = [asyncio.create_task(claimer(n)) for n in range(16)]
    made: list[str] = []
    sizes = [1, 7, 1, 1, 30, 2, 1, 50, 3, 1]
    while len(made) < total:
        size = min(sizes[len(made) % len(sizes)], total - len(made))
        made += [t["id"] for t in await (a, b)[len(made) % 2].task_enqueue("q", [item()] * size)]
    await _until(lambda: len(claimed) >= total, 30, "every task claimed")
    stop.set()
    await asyncio.gather(*claimers)
    assert sorted(claimed) == sorted(made)  # each exactly once
    counts = (await b.queue_get("q"))["counts"]
    assert counts == {**ZERO_COUNTS, "succeeded": total}
