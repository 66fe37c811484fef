"""Fixtures for runner tests: a daemon whose sweeper runs every second, and a client for it."""

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


@pytest.fixture
def rdaemon(make_daemon: Callable[..., DaemonProcess]) -> DaemonProcess:
    """A daemon with a 1 s sweeper and an `llm-fake` tool (no command)."""
    return make_daemon(runner_config())


@pytest.fixture
def client(rdaemon: DaemonProcess) -> Iterator[Client]:
    with Client(rdaemon.socket) as c:
        yield c
