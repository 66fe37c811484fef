"""A missing or broken config file: every command refuses it as the daemon does (exit 2, the
file and the problem named) and never falls back to the daemon on the default socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkq_tui.daemon_control import ping
from tests.e2e.conftest import Run, isolated_env, make_runner

COMMANDS = (
    ("status",),
    ("start",),
    ("stop",),
    ("tasks",),
    ("session", "create", "stray"),
    ("rpc", "system.ping"),
    ("runner", "--queue", "backend", "--drain"),
    (),  # the cockpit
)


@pytest.fixture
def default_daemon(short_dir: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A daemon on the default socket (no SPARKQ_SOCKET, no config file): where a command that
    ignored a broken config would land."""
    env = isolated_env(short_dir)
    run = make_runner(env, short_dir)
    started = run("start", "--json")
    assert started.code == 0, started.err
    socket = Path(started.json()["socket"])
    yield env, socket
    run("stop")


def _assert_refused(run: Run, file: str, problem: str, *global_options: str) -> None:
    for command in COMMANDS:
        result = run(*global_options, *command)
        assert result.code == 2, (command, result)
        assert file in result.err and problem in result.err, (command, result.err)
        assert "already running" not in result.out


def _assert_default_daemon_untouched(run: Run, socket: Path) -> None:
    assert ping(socket) is not None  # `stop` did not stop it
    sessions = run("--socket", str(socket), "sessions", "--json")
    assert sessions.json()["sessions"] == []


def test_a_missing_config_option(default_daemon, short_dir: Path) -> None:
    env, socket = default_daemon
    run = make_runner(env, short_dir)
    _assert_refused(run, "/nonexistent.yml", "No such file", "--config", "/nonexistent.yml")
    _assert_default_daemon_untouched(run, socket)


def test_a_missing_sparkq_config_file(default_daemon, short_dir: Path) -> None:
    env, socket = default_daemon
    run = make_runner({**env, "SPARKQ_CONFIG": "/nonexistent.yml"}, short_dir)
    _assert_refused(run, "/nonexistent.yml", "No such file")
    _assert_default_daemon_untouched(make_runner(env, short_dir), socket)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("purge: [unclosed\n", "not valid YAML"), ("- a\n- b\n", "expected a mapping")],
)
def test_a_broken_local_sparkq_yml(default_daemon, short_dir: Path, text: str, problem: str):
    env, socket = default_daemon
    project = short_dir / "project"
    project.mkdir()
    (project / "sparkq.yml").write_text(text)
    run = make_runner(env, project)
    _assert_refused(run, str(project / "sparkq.yml"), problem)
    _assert_refused(run, str(project / "sparkq.yml"), problem, "--socket", str(socket))
    _assert_default_daemon_untouched(make_runner(env, short_dir), socket)
