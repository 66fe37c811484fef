"""The sweeper and purge against the injected clock (no sleeping), stats, and the engine's
own facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store, SweepOutcome
from tests.store.fake_clock import FakeClock
from tests.store.helpers import STATUSES, assert_counts_equal_rows, enqueue

STALE_ERROR = "Task exceeded timeout"


async def running(store: Store, n: int = 1, timeout: float = 10) -> list[str]:
    """``n`` running tasks of ``timeout`` seconds in queue ``q``: their friendly ids."""
    made = await enqueue(store, "q", n, timeout=timeout)
    for task in made:
        assert await store.task_claim(ClaimParams(id=task["id"], worker="w")) is not None
    return [t["friendly_id"] for t in made]


@pytest.mark.needs_clock
async def test_the_store_reads_the_injected_clock(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [made] = await enqueue(store, "q")
    assert made["created_at"].startswith("2027-01-01T00:00:00.")
    clock.advance(3600)
    claimed = await store.task_claim(ClaimParams(queue="q", worker="w"))
    assert claimed is not None
    assert claimed["claimed_at"].startswith("2027-01-01T01:00:00.")
    assert claimed["created_at"] == made["created_at"]


@pytest.mark.needs_clock
async def test_sweep_warns_at_1x_and_fails_at_2x_the_timeout(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [fid] = await running(store)
    clock.advance(9.9)
    assert await store.sweep() == SweepOutcome()
    clock.advance(0.2)  # 10.1 s without a word
    assert await store.sweep() == SweepOutcome(warned=[fid])
    warned = await store.task_get(fid)
    assert (warned["status"], warned["stale_warned_at"] is not None) == ("running", True)
    assert await store.sweep() == SweepOutcome()  # warned once
    clock.advance(9.8)
    assert await store.sweep() == SweepOutcome()
    clock.advance(0.2)  # 20.1 s
    assert await store.sweep() == SweepOutcome(failed=[fid])
    failed = await store.task_get(fid)
    assert (failed["status"], failed["error"]) == ("failed", STALE_ERROR)
    assert failed["finished_at"] is not None
    assert await store.sweep() == SweepOutcome()
    await assert_counts_equal_rows(store)


@pytest.mark.needs_clock
async def test_a_heartbeat_restarts_the_stale_clock(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    [fid] = await running(store)
    clock.advance(15)
    assert (await store.sweep()).warned == [fid]
    await store.task_heartbeat(fid, "w")
    assert (await store.task_get(fid))["stale_warned_at"] is None
    clock.advance(9)  # 24 s since the claim, 9 since the heartbeat
    assert await store.sweep() == SweepOutcome()
    clock.advance(2)
    assert await store.sweep() == SweepOutcome(warned=[fid])


@pytest.mark.needs_clock
async def test_sweep_fails_a_long_silent_task_at_once_and_spares_finished_ones(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    short, done = await running(store, 2, timeout=10)
    [long] = await running(store, 1, timeout=100)
    await store.task_finish(FinishParams(ref=done, status="succeeded"))
    clock.advance(25)
    assert await store.sweep() == SweepOutcome(failed=[short])  # not warned first
    assert (await store.task_get(done))["status"] == "succeeded"
    assert (await store.task_get(long))["stale_warned_at"] is None
    clock.advance(80)
    assert await store.sweep() == SweepOutcome(warned=[long])


@pytest.mark.needs_clock
async def test_purge_deletes_finished_tasks_older_than_asked(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    old_ok, old_failed, kept_running = await running(store, 3)
    await store.task_finish(FinishParams(ref=old_ok, status="succeeded"))
    await store.task_finish(FinishParams(ref=old_failed, status="failed", error="x"))
    [kept_queued] = await enqueue(store, "q")
    clock.advance(100)
    [recent] = await running(store, 1)
    await store.task_finish(FinishParams(ref=recent, status="succeeded"))
    clock.advance(10)
    assert await store.purge(200) == 0
    assert await store.purge(50) == 2
    for fid in (old_ok, old_failed):
        with pytest.raises(NotFound):
            await store.task_get(fid)
    for fid in (kept_running, kept_queued["friendly_id"], recent):
        await store.task_get(fid)
    await assert_counts_equal_rows(store)
    assert await store.purge(0) == 1  # everything finished, however recent
    assert await store.purge(0) == 0
    assert (await store.stats())["tasks"] == {
        **dict.fromkeys(STATUSES, 0),
        "queued": 1,
        "running": 1,
        "succeeded": 0,
        "failed": 0,
    }


async def test_stats_count_everything(store: Store, queue: Queue) -> None:
    await store.session_create("t", None)
    await store.queue_create("r", "t", None)
    await enqueue(store, "q", 3)
    [fid, _] = await running(store, 2)
    await store.task_finish(FinishParams(ref=fid, status="failed", error="x"))
    stats = await store.stats()
    assert stats["tasks"] == {**dict.fromkeys(STATUSES, 0), "queued": 3, "running": 1, "failed": 1}
    assert (stats["queues"], stats["sessions"]) == (2, 2)
    assert isinstance(stats["db_bytes"], int) and stats["db_bytes"] >= 0
    await assert_counts_equal_rows(store)


async def test_engine_facts(store: Store, tmp_path: Path) -> None:
    facts = store.describe()
    assert facts["engine"] == store.engine
    assert facts["leader"] is True
    assert store.leads() is True  # alone on its database
    assert "password" not in str(store.database_settings()).lower()
    target = tmp_path / "backup.db"
    if store.engine == "sqlite":
        await store.backup_to(target)
        assert target.stat().st_size > 0
    else:
        with pytest.raises(Conflict, match="pg_dump"):
            await store.backup_to(target)
