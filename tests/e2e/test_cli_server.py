"""The daemon's lifecycle from the CLI: start, status, restart, stop, run, setup, teardown."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import yaml

from sparkq_tui.daemon_control import ping
from tests.e2e.conftest import Run, isolated_env, make_runner, sparkq_argv
from tests.waiting import wait_until


def test_no_daemon_exit_3_with_hint(lone: tuple[Run, Path]) -> None:
    sparkq, socket = lone
    for args in (("status",), ("tasks",), ("session", "create", "x"), ("rpc", "system.ping")):
        result = sparkq(*args)
        assert result.code == 3, (args, result)
        assert "sparkq start" in result.err
    assert sparkq("status", "--json").json() == {"running": False, "socket": str(socket)}
    stopped = sparkq("stop")
    assert stopped.code == 0 and "no daemon was running" in stopped.out


def test_start_status_restart_stop(lone: tuple[Run, Path], short_dir: Path) -> None:
    sparkq, socket = lone
    started = sparkq("start")
    assert started.code == 0, started.err
    assert "started" in started.out
    info = ping(socket)
    assert info is not None
    # A socket other than the default one logs to a file of its own, named after it.
    (log_file,) = (short_dir / "state" / "sparkq" / "log").glob("daemon-bg-*.log")
    assert str(log_file) in started.out and str(socket) in log_file.read_text()

    again = sparkq("start")
    assert again.code == 0 and "already running" in again.out
    sparkq("session", "create", "demo")

    status = sparkq("status")
    assert status.code == 0
    for word in (f"pid {info['pid']}", str(socket), "sparkq.db", "sessions"):
        assert word in status.out
    as_json = sparkq("status", "--json").json()
    assert as_json["running"] is True and as_json["stats"]["sessions"] == 1

    restarted = sparkq("restart", "--json")
    assert restarted.code == 0, restarted.err
    assert restarted.json()["pid"] != info["pid"]
    # Same database after the restart.
    assert [s["name"] for s in sparkq("sessions", "--json").json()["sessions"]] == ["demo"]

    assert sparkq("stop").code == 0
    assert ping(socket) is None
    assert sparkq("status").code == 3


def test_start_failure_is_reported(lone: tuple[Run, Path], short_dir: Path) -> None:
    sparkq, _socket = lone
    bad = short_dir / "bad.yml"
    bad.write_text("purge: [unclosed\n")
    result = sparkq("--config", str(bad), "start")
    assert result.code == 2
    assert "bad.yml" in result.err and "not valid YAML" in result.err
    assert sparkq("start", "--config", str(short_dir / "missing.yml")).code == 2


def test_run_in_the_foreground(short_dir: Path) -> None:
    socket = short_dir / "fg.sock"
    env = isolated_env(short_dir, SPARKQ_SOCKET=str(socket))
    proc = subprocess.Popen(
        [*sparkq_argv(), "run", "--db", str(short_dir / "fg.db")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: ping(socket) is not None, 15.0, "the daemon answering a ping")
        assert ping(socket)["pid"] == proc.pid  # exec'd: the daemon is this very process
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(15)
        if proc.stderr:
            proc.stderr.close()
    assert (short_dir / "fg.db").is_file()


def test_setup_then_teardown(short_dir: Path) -> None:
    socket = short_dir / "su.sock"
    env = isolated_env(short_dir, SPARKQ_SOCKET=str(socket))
    sparkq = make_runner(env, short_dir)
    config = short_dir / "config" / "sparkq" / "sparkq.yml"
    db = short_dir / "data" / "sparkq" / "sparkq.db"

    setup = sparkq("setup")
    assert setup.code == 0, setup.err
    assert config.is_file() and db.is_file()
    written = yaml.safe_load(config.read_text())
    assert written["purge"]["older_than_days"] == 3
    assert "# " in config.read_text()  # commented
    assert ping(socket) is None  # setup leaves no daemon behind
    refused = sparkq("setup")
    assert refused.code == 2 and "--force" in refused.err

    project = short_dir / "project"
    project.mkdir()
    local = sparkq("setup", str(project), "--db", str(project / "q.db"), "--json")
    assert local.code == 0, local.err
    assert local.json()["db_path"] == str(project / "q.db")
    assert (project / "sparkq.yml").is_file() and (project / "q.db").is_file()

    assert sparkq("start").code == 0
    unconfirmed = sparkq("teardown")
    assert unconfirmed.code == 2 and str(db) in unconfirmed.err
    removed = sparkq("teardown", "--yes")
    assert removed.code == 0, removed.err
    assert ping(socket) is None
    assert not db.exists() and not config.exists()
    assert not (short_dir / "state" / "sparkq").exists()
    assert (project / "q.db").is_file()  # another config's database is left alone
    assert "nothing to remove" in sparkq("teardown", "--yes").out
