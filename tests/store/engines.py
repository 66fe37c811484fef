"""The store engines the conformance suite runs on, and how each one is made for a test.

One entry per engine in ENGINES: an async context manager factory that yields an opened,
empty store and closes it afterwards. ``open_store`` seeds it the same way on every engine
(the daemon's default task classes, tools and live settings)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS, Config
from sparkq_daemon.store.base import Store
from sparkq_daemon.store.sqlite.store import SqliteStore
from tests.store.fake_clock import FakeClock


@dataclass
class EngineEnv:
    """What a factory gets to make one store."""

    folder: Path  # a fresh private folder, for an engine that keeps files
    clock: FakeClock  # the time the store must read; see UNSUPPORTED for an engine that cannot
    request: pytest.FixtureRequest  # for engine-specific fixtures (a database server)


EngineFactory = Callable[[EngineEnv], AbstractAsyncContextManager[Store]]


@contextlib.asynccontextmanager
async def make_sqlite_store(env: EngineEnv) -> AsyncIterator[Store]:
    """The embedded engine on a file of its own; it reads the time from the fake clock."""
    store = SqliteStore(env.folder / "sparkq.db", clock=env.clock)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def make_pg_store(env: EngineEnv) -> AsyncIterator[Store]:
    """The PostgreSQL engine on a fresh database of the test server (skipped, or failed
    under CI, when there is none). It compares times with the database's clock only."""
    from sparkq_daemon.store.postgres.store import PgStore

    server = env.request.getfixturevalue("pg_server_session")
    url = server.create_database("conf")
    store = PgStore(url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
        server.drop_database(url)


ENGINES: dict[str, EngineFactory] = {
    "sqlite": make_sqlite_store,
    "postgresql": make_pg_store,
}

# Markers an engine cannot honour: the tests carrying one are skipped on that engine.
# "needs_clock": the test moves ``env.clock`` and expects the store to see the new time
# (PostgreSQL reads the database's clock, by design: several hosts, one time).
# "sqlite_only": the test reads SQLite files directly.
UNSUPPORTED: dict[str, frozenset[str]] = {"postgresql": frozenset({"needs_clock", "sqlite_only"})}


def standing_claims(store: Store) -> int:
    """How many claims wait on ``store`` now (past their first attempt): an engine's own
    count, so a test can know a waiting claim is registered before it acts."""
    if store.engine == "postgresql":
        return store.waiting.standing()  # type: ignore[attr-defined]
    return len(store.standing._waiting)  # type: ignore[attr-defined]


async def seed(store: Store) -> None:
    """Seed the catalogue and the live settings as the daemon does at start."""
    await store.catalog_seed(copy.deepcopy(DEFAULT_TASK_CLASSES), copy.deepcopy(DEFAULT_TOOLS))
    await store.settings_seed(Config().live_settings())


@contextlib.asynccontextmanager
async def open_store(engine: str, env: EngineEnv) -> AsyncIterator[Store]:
    """An opened, seeded store of ``engine``; closed on exit."""
    async with ENGINES[engine](env) as store:
        await seed(store)
        yield store
