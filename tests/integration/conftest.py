"""Fixtures for talking to a real daemon over its socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _engine_or_skip
from tests.daemon_process import DaemonProcess
from tests.wire import Wire


@pytest.fixture(params=["sqlite", "postgresql"])
def daemon_engine(request: pytest.FixtureRequest) -> str:
    """Every integration test runs against a daemon on each engine."""
    return _engine_or_skip(request, request.param)


@pytest.fixture
def wire(daemon: DaemonProcess) -> Iterator[Wire]:
    with Wire(daemon.socket) as w:
        yield w


@pytest.fixture
def queue(wire: Wire) -> str:
    """A session ``work`` with a queue ``jobs``; returns the queue name."""
    wire.call("session.create", name="work")
    wire.call("queue.create", name="jobs", session="work")
    return "jobs"
