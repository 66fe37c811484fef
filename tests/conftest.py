"""Shared fixtures: a real daemon on a short temporary socket, and clients for it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.pg_cluster import PgServer, pg_server


@pytest.fixture(autouse=True)
def private_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Runners started by any test keep their outbox in a temporary folder, never the user's."""
    monkeypatch.setenv("SPARKQ_OUTBOX_DIR", str(tmp_path_factory.mktemp("outbox")))


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A temporary folder with a short path (a socket path must fit in 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="sq", dir="/tmp"))
    folder.chmod(0o700)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


ENGINE_ENV = "SPARKQ_TEST_ENGINE"  # "postgresql": daemons of the tests use PostgreSQL


# Tests marked with one of these are skipped when their daemon runs on PostgreSQL.
NOT_ON_POSTGRESQL = ("sqlite_only",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: reads or writes the SQLite file itself (skipped on PostgreSQL)"
    )
    config.addinivalue_line("markers", "time_and_failure: delays, retries, expiry, cancel")


@pytest.fixture
def daemon_engine(request: pytest.FixtureRequest) -> str:
    """The engine of the daemons a test starts: ``SPARKQ_TEST_ENGINE`` (default sqlite).
    tests/integration runs every test on both (its conftest parametrises this)."""
    return _engine_or_skip(request, os.environ.get(ENGINE_ENV) or "sqlite")


def _engine_or_skip(request: pytest.FixtureRequest, engine: str) -> str:
    if engine == "postgresql":
        for mark in NOT_ON_POSTGRESQL:
            if request.node.get_closest_marker(mark):
                pytest.skip(f"{mark}: not on the PostgreSQL engine")
    return engine


@pytest.fixture
def make_daemon(
    short_dir: Path, request: pytest.FixtureRequest, daemon_engine: str
) -> Iterator[Callable[..., DaemonProcess]]:
    """Start daemons with a given config (a dict written as sparkq.yml) and extra args; on
    the PostgreSQL engine each daemon gets a fresh database of the test server."""
    started: list[DaemonProcess] = []
    databases: list[tuple[PgServer, str]] = []

    def make(config: dict[str, Any] | None = None, *args: str, start: bool = True):
        d = DaemonProcess(short_dir, dict(config or {}), list(args))
        if daemon_engine == "postgresql":
            server: PgServer = request.getfixturevalue("pg_server_session")
            d.extra_env["SPARKQ_DATABASE_URL"] = server.create_database()
            databases.append((server, d.extra_env["SPARKQ_DATABASE_URL"]))
        started.append(d)
        return d.start() if start else d

    yield make
    for d in started:
        d.stop()
    for server, url in databases:  # each daemon's database goes with it
        server.drop_database(url)


@pytest.fixture
def daemon(make_daemon: Callable[..., DaemonProcess]) -> DaemonProcess:
    """One running daemon with the default config."""
    return make_daemon()


@pytest.fixture(scope="session")
def pg_server_session() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run (started on first use)."""
    with pg_server() as server:
        yield server


@pytest.fixture(scope="module")
def pg_url(pg_server_session: PgServer) -> str:
    """A fresh PostgreSQL database for this test module: its URL."""
    return pg_server_session.create_database()
