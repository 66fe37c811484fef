"""Fixtures for the PostgreSQL engine: a fresh database per test, opened stores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from sparkq_daemon.store.base import Store
from sparkq_daemon.store.postgres.store import PgStore
from sparkq_daemon.store.sqlite.store import SqliteStore
from tests.pg_cluster import PgServer


@pytest.fixture
def fresh_pg_url(pg_server_session: PgServer) -> str:
    """A new, empty PostgreSQL database for this test: its URL."""
    return pg_server_session.create_database("pgt")


class Recorded:
    """A store with the events it committed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.events: list[dict[str, Any]] = []
        store.on_commit = self.events.extend


@pytest.fixture
async def open_store(
    fresh_pg_url: str, tmp_path: Path
) -> AsyncIterator[Callable[[str], Any]]:
    """``await open_store("sqlite" | "postgresql")``: an opened store on a fresh database."""
    opened: list[Store] = []

    async def make(engine: str) -> Recorded:
        store: Store
        if engine == "postgresql":
            store = PgStore(fresh_pg_url)
        else:
            store = SqliteStore(tmp_path / f"s{len(opened)}.db")
        await store.open()
        opened.append(store)
        return Recorded(store)

    yield make
    for store in opened:
        await store.close()
