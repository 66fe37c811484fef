"""Starting and stopping the installed sparkq-daemon: locks, stale sockets, bad configs."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from sparkq_daemon.store.sqlite.rows import TASK_STATUSES
from sparkq_daemon.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from tests.daemon_process import DaemonProcess, daemon_argv
from tests.wire import Wire


def run_daemon(*args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*daemon_argv(), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_graceful_stop_exits_zero_and_removes_the_socket(make_daemon, sig: int) -> None:
    d: DaemonProcess = make_daemon()
    with Wire(d.socket) as w:
        w.call("session.create", name="s")
    assert d.stop(sig) == 0
    assert not d.socket.exists()
    assert "stopped" in d.log()


def test_shutdown_method_answers_then_stops(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        assert w.call("system.shutdown") == {"ok": True}
    assert daemon.proc is not None
    assert daemon.proc.wait(15) == 0


def test_graceful_stop_finishes_a_waiting_claim(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        w.call("session.create", name="s")
        w.call("queue.create", name="q", session="s")
        w.send_raw(
            b'{"jsonrpc":"2.0","id":9,"method":"task.claim","params":{"queue":"q","wait":30}}\n'
        )
        assert daemon.proc is not None
        daemon.proc.send_signal(signal.SIGTERM)
        reply = w.read()
        assert reply == {"jsonrpc": "2.0", "id": 9, "result": {"task": None}}
    assert daemon.proc.wait(15) == 0


@pytest.mark.sqlite_only
def test_second_daemon_on_same_socket_or_db_is_refused(daemon: DaemonProcess) -> None:
    other = daemon.folder / "other.db"
    result = run_daemon("--socket", str(daemon.socket), "--db", str(other))
    assert result.returncode == 1
    assert "already serving" in result.stderr
    assert str(daemon.socket) in result.stderr
    result = run_daemon("--socket", str(daemon.folder / "o.sock"), "--db", str(daemon.db))
    assert result.returncode == 1
    assert str(daemon.db) in result.stderr
    with Wire(daemon.socket) as w:
        assert w.call("system.ping")["pid"] == daemon.proc.pid  # type: ignore[union-attr]


def test_stale_socket_file_is_replaced(make_daemon, short_dir: Path) -> None:
    d = DaemonProcess(short_dir)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(d.socket))
    stale.close()  # a socket file with nobody behind it
    assert d.socket.exists()
    d.start()
    try:
        with Wire(d.socket) as w:
            assert w.call("system.ping")
    finally:
        d.stop()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("purge: [1, 2\n", "not valid YAML"),
        ("purge:\n  older_than_days: soon\n", "purge.older_than_days"),
        ("queue_runner:\n  auto_fail_interval_seconds: 0\n", "auto_fail_interval_seconds"),
        ("colours: true\n", "colours"),
        ("tools:\n  x: {task_class: NOPE}\n", "tools.x.task_class"),
        ("database:\n  synchronous: SOMETIMES\n", "database.synchronous"),
        ("- a list\n", "mapping"),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(short_dir: Path, text: str, expected: str) -> None:
    config = short_dir / "sparkq.yml"
    config.write_text(text)
    result = run_daemon(
        "--config",
        str(config),
        "--socket",
        str(short_dir / "s.sock"),
        "--db",
        str(short_dir / "x.db"),
    )
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_socket_path_too_long_is_explained(short_dir: Path) -> None:
    long_path = short_dir / ("d" * 120) / "s.sock"
    result = run_daemon("--socket", str(long_path), "--db", str(short_dir / "x.db"))
    assert result.returncode == 2
    assert "108" in result.stderr or "107" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.sqlite_only
def test_schema_is_versioned_and_newer_databases_refused(make_daemon) -> None:
    d: DaemonProcess = make_daemon()
    d.stop()
    with sqlite3.connect(d.db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute("PRAGMA user_version = 999")
    result = run_daemon("--socket", str(d.socket), "--db", str(d.db))
    assert result.returncode == 1
    assert "999" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.sqlite_only
def test_a_version_1_database_is_upgraded_and_keeps_its_counts(make_daemon) -> None:
    d: DaemonProcess = make_daemon(start=False)
    d.db.parent.mkdir(parents=True, exist_ok=True)
    now = "2026-01-01T00:00:00+00:00"
    with sqlite3.connect(d.db, isolation_level=None) as conn:  # as the first release left it
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO sessions (id, name, created_at, updated_at) VALUES ('ses_1', 's', ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO queues (id, session_id, name, prefix, next_number, created_at, "
            "updated_at) VALUES ('que_1', 'ses_1', 'q', 'Q', 3, ?, ?)",
            (now, now),
        )
        for n in (1, 2, 3):
            conn.execute(
                "INSERT INTO tasks (seq, id, friendly_id, queue_id, tool, task_class, status, "
                "timeout, created_at, updated_at) VALUES (?, ?, ?, 'que_1', 'run-bash', "
                "'FAST_SCRIPT', 'queued', 60, ?, ?)",
                (n, f"tsk_{n:x}abcdef", f"Q-{n:04d}", now, now),
            )
        conn.execute("INSERT INTO queue_counts VALUES ('que_1', 'queued', 3)")
    d.start()
    with Wire(d.socket) as w:
        claimed = w.call("task.claim", queue="q", worker="w")["task"]
        assert claimed["friendly_id"] == "Q-0001"
        w.call("task.complete", id=claimed["id"], worker="w")
        w.call("task.claim", queue="q", worker="w")
        assert w.call("task.enqueue", queue="q", tool="run-bash")["friendly_id"] == "Q-0004"
        counts = w.call("queue.get", queue="q")["counts"]
    assert counts == {**dict.fromkeys(TASK_STATUSES, 0), "queued": 2, "running": 1, "succeeded": 1}
    d.stop()
    with sqlite3.connect(d.db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert [r[0] for r in triggers] == ["tasks_count_delete"]


def test_config_file_seeds_tools_and_classes(make_daemon) -> None:
    config = {
        "task_classes": {"QUICK": {"timeout": 5}},
        "tools": {"llm-echo": {"task_class": "QUICK", "command": ["echo", "{prompt}"]}},
    }
    d: DaemonProcess = make_daemon(config)
    with Wire(d.socket) as w:
        tools = {t["name"]: t for t in w.call("tool.list")["tools"]}
        assert tools["llm-echo"]["command"] == ["echo", "{prompt}"]
        assert tools["llm-echo"]["timeout"] == 5
        assert "run-bash" in tools
