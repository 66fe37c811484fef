"""Fixtures for runner tests: a daemon whose sweeper runs every second, a client for it, and
a private outbox folder for every runner a test starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess

FAKE_LLM = Path(__file__).with_name("fake_llm.py")


def runner_config(**extra) -> dict:
    config = {
        "queue_runner": {"auto_fail_interval_seconds": 1},
        "tools": {"llm-fake": {"task_class": "LLM_LITE", "description": "echoes its prompt"}},
    }
    config.update(extra)
    return config


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder runners keep undelivered reports in (never the user's state dir)."""
    folder = tmp_path / "outbox"
    monkeypatch.setenv("SPARKQ_OUTBOX_DIR", str(folder))
    return folder


@pytest.fixture
def rdaemon(make_daemon: Callable[..., DaemonProcess]) -> DaemonProcess:
    """A daemon with a 1 s sweeper and an `llm-fake` tool (no command)."""
    return make_daemon(runner_config())


@pytest.fixture
def client(rdaemon: DaemonProcess) -> Iterator[Client]:
    with Client(rdaemon.socket) as c:
        yield c
