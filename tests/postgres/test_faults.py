"""Bad database URLs, unreachable servers, a newer schema, and the server dropping the
daemon's connections while it runs."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import asyncpg
import pytest

from tests.daemon_process import daemon_argv
from tests.pg_cluster import PgServer
from tests.postgres.conftest import start_pg_daemon
from tests.postgres.helpers import next_event, wait_for
from tests.wire import Wire

pytestmark = pytest.mark.timeout(60)


def _run_daemon(folder: Path, url: str, config_url: str | None = None):
    """Run ``sparkq-daemon`` with ``SPARKQ_DATABASE_URL=url`` to its exit."""
    config = folder / "sparkq.yml"
    config.write_text(f"database: {{url: {config_url!r}}}\n" if config_url else "{}\n")
    env = {"SPARKQ_DATABASE_URL": url} if url else {}
    import os

    return subprocess.run(
        [
            *daemon_argv(),
            "--socket",
            str(folder / "s.sock"),
            "--config",
            str(config),
            "--db",
            str(folder / "x.db"),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=40,
    )


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_an_unreachable_server_is_one_line_and_exit_1(short_dir: Path) -> None:
    done = _run_daemon(short_dir, "postgresql://sparkq:secret@127.0.0.1:1/sparkq")
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert "cannot use PostgreSQL at postgresql://sparkq@127.0.0.1:1/sparkq" in line
    assert "secret" not in line
    assert "refused" in line


def test_a_database_that_does_not_exist_is_named(
    short_dir: Path, pg_server_session: PgServer
) -> None:
    done = _run_daemon(short_dir, pg_server_session.url("no_such_db"))
    assert done.returncode == 1
    assert 'database "no_such_db" does not exist' in _one_line(done.stderr)


def test_a_url_that_is_not_postgresql_is_refused_as_config(short_dir: Path) -> None:
    done = _run_daemon(short_dir, "", config_url="mysql://db/x")
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "database.url" in line and "mysql://db/x" in line
    done = _run_daemon(short_dir, "sqlite:///x.db")
    assert done.returncode == 2
    assert "SPARKQ_DATABASE_URL" in _one_line(done.stderr)


def test_a_schema_newer_than_the_code_is_refused(short_dir: Path, fresh_pg_url: str) -> None:
    async def bump() -> None:
        conn = await asyncpg.connect(fresh_pg_url)
        try:
            await conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
            await conn.execute("INSERT INTO schema_version VALUES (999)")
        finally:
            await conn.close()

    asyncio.run(bump())
    done = _run_daemon(short_dir, fresh_pg_url)
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert "schema version 999, newer than this SparkQ's" in line and "upgrade SparkQ" in line


def _terminate_all(url: str) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()

    return asyncio.run(go())


def test_dropped_connections_fail_requests_as_internal_then_the_daemon_reconnects(
    short_dir: Path, fresh_pg_url: str
) -> None:
    daemon = start_pg_daemon(short_dir / "a", fresh_pg_url).start()
    try:
        with Wire(daemon.socket) as listener, Wire(daemon.socket) as w:
            w.call("session.create", name="work")
            w.call("queue.create", name="jobs", session="work")
            listener.call("events.subscribe", topics=["task"])
            assert _terminate_all(fresh_pg_url) >= 2  # the pool's and the LISTEN connection
            # Subscribers learn that events may have been missed while it could not listen.
            wait_for(lambda: listener.read().get("method") == "events.overflow", 15, "overflow")
            failures = []

            def enqueue_works() -> bool:
                reply = w.request("task.enqueue", queue="jobs", tool="run-bash")
                if "error" in reply:
                    failures.append(reply["error"])
                    return False
                return True

            wait_for(enqueue_works, 15, "an enqueue to succeed again")
            for error in failures:
                assert error["data"]["type"] == "Internal"
                assert error["message"].startswith("the database failed: ")
            # The LISTEN connection is back: other events arrive again.
            next_event(listener, lambda e: e["type"] == "task.enqueued", timeout=10)
            assert w.call("system.ping")["pid"] == daemon.pid
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.log()


@pytest.fixture
def own_server():
    """A PostgreSQL server of this test alone, which it may stop and start again."""
    import os

    from tests import pg_cluster

    if os.environ.get(pg_cluster.ENV_URL):
        pytest.skip("stops and starts its own server; not with SPARKQ_TEST_DATABASE_URL")
    bindir = pg_cluster._bindir()
    if bindir is None:
        pg_cluster._unavailable("no PostgreSQL server programs (initdb, pg_ctl) found")
    cluster = pg_cluster._Cluster(bindir)
    server = cluster.start()
    options = (
        f"-k {cluster.folder} -p {cluster.port} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off"
    )

    def stop() -> None:
        cluster._run("pg_ctl", "-D", str(cluster.data), "-m", "fast", "-w", "stop")

    def start() -> None:
        log = str(cluster.folder / "server.log")
        cluster._run("pg_ctl", "-D", str(cluster.data), "-o", options, "-l", log, "-w", "start")

    try:
        yield server, stop, start
    finally:
        cluster.stop()


@pytest.mark.timeout(90)
def test_the_server_going_away_and_coming_back(short_dir: Path, own_server) -> None:
    server, stop, start = own_server
    url = server.create_database()
    daemon = start_pg_daemon(short_dir / "a", url).start()
    try:
        with Wire(daemon.socket) as w:
            w.call("session.create", name="work")
            w.call("queue.create", name="jobs", session="work")
            kept = w.call("task.enqueue", queue="jobs", tool="run-bash")
            stop()
            refused = w.request("task.enqueue", queue="jobs", tool="run-bash")
            assert refused["error"]["data"]["type"] == "Internal"
            assert refused["error"]["message"].startswith("the database failed: ")
            assert w.call("system.ping")["pid"] == daemon.pid  # still serving
            start()
            wait_for(
                lambda: "result" in w.request("task.enqueue", queue="jobs", tool="run-bash"),
                30,
                "an enqueue to succeed once the server is back",
            )
            assert w.call("task.get", id=kept["id"])["status"] == "queued"
            with Wire(daemon.socket) as waiter:
                waiter.send_raw(
                    b'{"jsonrpc":"2.0","id":"c","method":"task.claim",'
                    b'"params":{"queue":"jobs","worker":"w","wait":20,"tools":["run-python"]}}\n'
                )
                assert waiter.call("system.ping")["pid"] == daemon.pid
                made = w.call("task.enqueue", queue="jobs", tool="run-python")
                assert waiter.read()["result"]["task"]["id"] == made["id"]
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.log()
