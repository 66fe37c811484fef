"""A throwaway PostgreSQL server for the tests: ``initdb`` into a temporary folder, started
with ``pg_ctl`` on a private Unix socket and port, stopped and removed at the end.

``SPARKQ_TEST_DATABASE_URL`` points the tests at a server you already run instead (the role
needs CREATEDB). In CI (``CI=true``) a test that cannot get a server fails; elsewhere it is
skipped with one line saying how to enable it."""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest

ENV_URL = "SPARKQ_TEST_DATABASE_URL"
HOW_TO_ENABLE = (
    "PostgreSQL tests need a server: install PostgreSQL's server package (initdb, pg_ctl) "
    f"or set {ENV_URL}=postgresql://USER@HOST/DB"
)
_numbers = itertools.count(1)


def _bindir() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them off PATH)."""
    candidates: list[Path] = []
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if found := shutil.which("initdb"):
        candidates.insert(0, Path(found).parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """A running server, known by the URL of one of its databases; ``url(db)`` names
    another."""

    base_url: str
    drops: list[subprocess.Popen[bytes]] = field(default_factory=list)  # still dropping

    def url(self, database: str = "postgres") -> str:
        return urlunparse(urlparse(self.base_url)._replace(path=f"/{database}"))

    def drop_database(self, url: str) -> None:
        """Drop the database of ``url`` in the background, while the next tests run. Kept to
        the end, a run's databases (about 10 MB and 300 files each) made the server's removal
        take seconds in the teardown of whichever test happened to be last."""
        name = urlparse(url).path.lstrip("/")
        sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        self.drops = [drop for drop in self.drops if drop.poll() is None]
        self.drops.append(
            subprocess.Popen(
                ["psql", "-q", "-d", self.url(), "-c", sql],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def wait_for_drops(self, timeout: float = 30.0) -> None:
        """Wait until the databases being dropped are gone."""
        for drop in self.drops:
            with contextlib.suppress(subprocess.TimeoutExpired):
                drop.wait(timeout)
        self.drops = []

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its URL."""
        name = f"{prefix}_{os.getpid()}_{next(_numbers)}"
        self._psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _psql(self, sql: str) -> None:
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(), "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        )


class _Cluster:
    """initdb + pg_ctl, as the ``postgres`` user when run as root (initdb refuses root)."""

    def __init__(self, bindir: Path, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix="sqpg"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *argv: str) -> None:
        cmd = [str(self.bindir / argv[0]), *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> PgServer:
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8")
        # Tests trade durability for speed; benchmarks keep PostgreSQL's defaults.
        fast = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (
            f"-k {self.folder} -p {self.port} -c listen_addresses='' "
            f"{'' if self.durable else fast}-c max_connections=200"
        )
        log = self.folder / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        return PgServer(
            f"postgresql://{self.user}@/postgres?host={quote(str(self.folder))}&port={self.port}"
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(f"{reason}. {HOW_TO_ENABLE}")


@contextlib.contextmanager
def pg_server(durable: bool = False) -> Iterator[PgServer]:
    """A server for this test run: the user's (``SPARKQ_TEST_DATABASE_URL``) or a throwaway
    cluster (``durable``: with fsync, as benchmarks want); skips (fails under CI) when
    neither can be had."""
    if url := os.environ.get(ENV_URL):
        server = PgServer(url)
        yield server
        server.wait_for_drops()
        return
    bindir = _bindir()
    if bindir is None:
        _unavailable("no PostgreSQL server programs (initdb, pg_ctl) found")
    assert bindir is not None
    cluster = _Cluster(bindir, durable)
    try:
        server = cluster.start()
    except (OSError, subprocess.CalledProcessError) as exc:
        cluster.stop()
        detail = getattr(exc, "stderr", "") or exc
        _unavailable(f"could not start a throwaway PostgreSQL server: {detail}")
        raise
    try:
        yield server
    finally:
        server.wait_for_drops()
        cluster.stop()
