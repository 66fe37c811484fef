"""Fixtures of the store conformance suite: every test that takes ``store`` runs once per
engine in ``tests/store/engines.py`` (River's ``riverdrivertest``: one suite, every engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sparkq_daemon.store.base import Event, Queue, Store
from tests.store.engines import ENGINES, UNSUPPORTED, EngineEnv, open_store
from tests.store.fake_clock import FakeClock


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_clock: the test moves the injected clock and needs the store to see it"
    )
    config.addinivalue_line("markers", "sqlite_only: the test reads SQLite files directly")
    config.addinivalue_line(
        "markers", "time_and_failure: delays, retries, expiry, cancellation, the timeline"
    )


@pytest.fixture
def clock() -> FakeClock:
    """The time every store made for this test reads (moved by ``clock.advance``)."""
    return FakeClock()


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    """The engine's name; tests marked with what it cannot honour are skipped on it."""
    name: str = request.param
    for mark in UNSUPPORTED.get(name, frozenset()):
        if request.node.get_closest_marker(mark):
            pytest.skip(f"the {name} engine does not support {mark}")
    return name


@pytest.fixture
async def store(
    engine: str, tmp_path: Path, clock: FakeClock, request: pytest.FixtureRequest
) -> AsyncIterator[Store]:
    """An opened store seeded with the default catalogue and settings."""
    async with open_store(engine, EngineEnv(tmp_path, clock, request)) as opened:
        yield opened


@pytest.fixture
def events(store: Store) -> list[Event]:
    """Every event ``store.on_commit`` delivers from now on, in order."""
    seen: list[Event] = []

    def sink(batch: list[Event]) -> None:
        seen.extend(batch)

    store.on_commit = sink
    return seen


@pytest.fixture
async def queue(store: Store) -> Queue:
    """A session ``s`` with an open queue ``q``."""
    await store.session_create("s", None)
    return await store.queue_create("q", "s", None)
