"""Run the installed ``sparkq`` console script in subprocesses against a real daemon."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sparkq_tui.daemon_control import ping
from tests.daemon_process import DaemonProcess


def sparkq_argv() -> list[str]:
    """The installed console script (the one beside this interpreter: no pyenv shim)."""
    beside = Path(sys.executable).parent / "sparkq"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("sparkq")
    assert found, "the sparkq console script is not installed"
    return [found]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


def isolated_env(folder: Path, **extra: str) -> dict[str, str]:
    """An environment whose user dirs (data, config, logs) all live under ``folder``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPARKQ_")}
    env.update(
        XDG_DATA_HOME=str(folder / "data"),
        XDG_CONFIG_HOME=str(folder / "config"),
        XDG_STATE_HOME=str(folder / "state"),
        XDG_RUNTIME_DIR=str(folder),
        HOME=str(folder / "home"),
        COLUMNS="200",
    )
    env.update(extra)
    return env


def make_runner(env: dict[str, str], cwd: Path) -> Run:
    def run(*args: str, input: str | None = None, timeout: float = 30) -> Result:
        proc = subprocess.run(
            [*sparkq_argv(), *args],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def sparkq(daemon: DaemonProcess, short_dir: Path) -> Run:
    """``sparkq(*args)`` against the test daemon (SPARKQ_SOCKET and SPARKQ_CONFIG set)."""
    env = isolated_env(
        short_dir,
        SPARKQ_SOCKET=str(daemon.socket),
        SPARKQ_CONFIG=str(daemon.config_path),
    )
    return make_runner(env, short_dir)


@pytest.fixture
def queue(sparkq: Run) -> str:
    """A session ``demo`` with a queue ``backend``; returns the queue name."""
    assert sparkq("session", "create", "demo").code == 0
    assert sparkq("queue", "create", "backend", "--session", "demo").code == 0
    return "backend"


@pytest.fixture
def lone(short_dir: Path) -> Iterator[tuple[Run, Path]]:
    """``sparkq`` with no daemon yet, its own socket and user dirs; stops what it started."""
    socket = short_dir / "bg.sock"
    env = isolated_env(short_dir, SPARKQ_SOCKET=str(socket))
    yield make_runner(env, short_dir), socket
    info = ping(socket)
    if info is not None:
        subprocess.run([*sparkq_argv(), "stop"], env=env, capture_output=True, timeout=30)
        if ping(socket) is not None:  # our own daemon, by its pid
            os.kill(info["pid"], 9)
