"""Fixtures for the PostgreSQL engine: a fresh database per test, opened stores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sparkq_daemon.store.base import Store
from sparkq_daemon.store.postgres.store import PgStore
from sparkq_daemon.store.sqlite.store import SqliteStore
from tests.pg_cluster import PgServer


@pytest.fixture
def fresh_pg_url(pg_server_session: PgServer) -> Iterator[str]:
    """A new, empty PostgreSQL database for this test: its URL (dropped after it)."""
    url = pg_server_session.create_database("pgt")
    yield url
    pg_server_session.drop_database(url)


class Recorded:
    """A store with the events it committed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.events: list[dict[str, Any]] = []
        store.on_commit = self.events.extend


@pytest.fixture
async def open_store(fresh_pg_url: str, tmp_path: Path) -> AsyncIterator[Callable[[str], Any]]:
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


def start_pg_daemon(
    folder: Path, url: str, *, via_env: bool = False, config: dict[str, Any] | None = None
):
    """A daemon (not started) on the PostgreSQL database ``url``, named in its config file
    (``database.url``) or, with ``via_env``, in ``SPARKQ_DATABASE_URL``."""
    from tests.daemon_process import DaemonProcess

    folder.mkdir(mode=0o700, exist_ok=True)
    conf: dict[str, Any] = {"queue_runner": {"auto_fail_interval_seconds": 0.5}}
    conf.update(config or {})
    env: dict[str, str] = {}
    if via_env:
        env["SPARKQ_DATABASE_URL"] = url
    else:
        conf.setdefault("database", {})["url"] = url
    return DaemonProcess(folder, conf, extra_env=env)


@pytest.fixture
def pg_daemons(short_dir: Path, fresh_pg_url: str):
    """``make(name, **kw)`` → a started daemon on this test's PostgreSQL database (the first
    through sparkq.yml, the next through the environment); all stopped at the end."""
    started: list[Any] = []

    def make(name: str, start: bool = True, **kw: Any):
        kw.setdefault("via_env", bool(started))
        d = start_pg_daemon(short_dir / name, fresh_pg_url, **kw)
        started.append(d)
        return d.start() if start else d

    make.url = fresh_pg_url  # type: ignore[attr-defined]
    yield make
    for d in started:
        d.stop()
