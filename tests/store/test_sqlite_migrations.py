"""SQLite only: a database from every earlier schema version opens, migrates to
SCHEMA_VERSION, and keeps its rows and its per-queue counts exact."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams, SweepOutcome
from sparkq_daemon.store.sqlite.schema import SCHEMA_VERSION
from sparkq_daemon.store.sqlite.store import SqliteStore
from tests.store.fake_clock import FakeClock
from tests.store.helpers import STATUSES, assert_counts_equal_rows
from tests.store.sqlite_versions import COUNTS, build_database_at, task_id

pytestmark = pytest.mark.sqlite_only


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    return version


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
async def test_an_earlier_database_migrates_and_keeps_its_counts(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "old.db"
    build_database_at(path, version)
    store = SqliteStore(path, clock=FakeClock())
    await store.open()
    try:
        assert user_version(path) == SCHEMA_VERSION
        assert await store.catalog_seed(
            copy.deepcopy(DEFAULT_TASK_CLASSES), copy.deepcopy(DEFAULT_TOOLS)
        )
        assert (await store.queue_get("q"))["counts"] == {**dict.fromkeys(STATUSES, 0), **COUNTS}
        await assert_counts_equal_rows(store)
        assert (await store.task_get("Q-0003"))["id"] == task_id(3)
        claimed = await store.task_claim(ClaimParams(queue="q", worker="w"))
        assert claimed is not None and claimed["friendly_id"] == "Q-0002"
        await store.task_finish(FinishParams(ref=claimed["id"], status="succeeded"))
        [new] = await store.task_enqueue("q", [EnqueueItem("run-bash")])
        assert new["friendly_id"] == "Q-0006"
        assert int(new["id"][4:-6], 16) == 6  # task row numbers go on after the old ones
        assert await store.sweep() == SweepOutcome(failed=["Q-0003"])  # silent since 2026
        await store.task_delete("Q-0004")
        assert (await store.queue_get("q"))["counts"] == {
            **dict.fromkeys(STATUSES, 0),
            "queued": 2,
            "running": 0,
            "succeeded": 1,
            "failed": 2,
        }
        await assert_counts_equal_rows(store)
        await store.settings_seed({"purge": {"older_than_days": 3}})
        assert (await store.config_sync({"purge.older_than_days": 3}))["unchanged"] == 1
        applied = (await store.config_sync({"purge.older_than_days": 4}))["applied"]
        assert applied == [{"key": "purge.older_than_days", "old": 3, "new": 4}]
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        triggers = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ]
    conn.close()
    assert triggers == ["tasks_count_delete"]


async def test_a_newer_database_is_refused_naming_its_version(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    build_database_at(path, SCHEMA_VERSION)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.close()
    store = SqliteStore(path, clock=FakeClock())
    with pytest.raises(RuntimeError, match=str(SCHEMA_VERSION + 7)):
        await store.open()
    assert user_version(path) == SCHEMA_VERSION + 7
