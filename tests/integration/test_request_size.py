"""A request over the protocol's 16 MiB line limit: the clients refuse it before sending it,
and a daemon's ``TooLarge`` answer (then its closing the connection) surfaces as that error,
never as a lost daemon, and leaves no unretrieved future behind."""

from __future__ import annotations

import gc

import pytest

import sparkq_tui.client as client_module
import sparkq_tui.commands.connection as connection_module
from sparkq_tui.client import AsyncClient, Client
from sparkq_tui.commands.connection import Connection
from sparkq_tui.errors import MAX_REQUEST_BYTES, InvalidRequestError, RequestTooLarge
from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import isolated_env, make_runner

BIG = "a" * (17 * 1024 * 1024)


def _assert_no_asyncio_noise(caplog: pytest.LogCaptureFixture) -> None:
    gc.collect()
    noise = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert noise == []


def _assert_refused_before_sending(err: RequestTooLarge) -> None:
    assert isinstance(err, InvalidRequestError)
    assert err.data == {"type": "TooLarge", "bytes": err.data["bytes"], "limit": MAX_REQUEST_BYTES}
    assert err.data["bytes"] > len(BIG)
    assert str(err.data["bytes"]) in err.message and "16 MiB" in err.message


async def test_async_client_refuses_before_sending(
    daemon: DaemonProcess, caplog: pytest.LogCaptureFixture
) -> None:
    async with AsyncClient(daemon.socket) as client:
        with pytest.raises(RequestTooLarge) as err:
            await client.call("system.ping", payload=BIG)
        _assert_refused_before_sending(err.value)
        assert client.connected  # nothing was sent: the connection is untouched
        assert (await client.ping())["pid"] > 0
    _assert_no_asyncio_noise(caplog)


def test_sync_client_refuses_before_sending(
    daemon: DaemonProcess, caplog: pytest.LogCaptureFixture
) -> None:
    with Client(daemon.socket) as client:
        with pytest.raises(RequestTooLarge) as err:
            client.enqueue("nowhere", "run-bash", {"script": BIG})
        _assert_refused_before_sending(err.value)
        assert client.ping()["pid"] > 0
    _assert_no_asyncio_noise(caplog)


async def test_the_daemons_too_large_answer_is_the_error(
    daemon: DaemonProcess, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client whose own check lets the line through (as one with a larger limit would).
    monkeypatch.setattr(client_module, "check_request_size", lambda size: None)
    async with AsyncClient(daemon.socket) as client:
        with pytest.raises(RequestTooLarge) as err:
            await client.call("system.ping", payload=BIG)
        assert "longer than" in err.value.message  # the daemon's words
        assert (await client.ping())["pid"] > 0  # a new connection
    with Client(daemon.socket) as sync_client:
        with pytest.raises(RequestTooLarge):
            sync_client.call("system.ping", payload=BIG)
        assert sync_client.ping()["pid"] > 0
    _assert_no_asyncio_noise(caplog)


def test_cli_connection_reports_the_daemons_too_large_answer(
    daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection_module, "check_request_size", lambda size: None)
    with Connection(daemon.socket) as connection:
        with pytest.raises(RequestTooLarge) as err:
            connection.call("system.ping", payload=BIG)
        assert "longer than" in err.value.message
        assert connection.call("system.ping")["pid"] > 0


def test_cli_refuses_an_oversized_request(daemon: DaemonProcess, short_dir) -> None:
    env = isolated_env(short_dir, SPARKQ_SOCKET=str(daemon.socket))
    sparkq = make_runner(env, short_dir)
    params = '{"queue": "q", "tool": "run-bash", "payload": "' + BIG + '"}'
    result = sparkq("rpc", "task.enqueue", "-", input=params)
    assert result.code == 1, result
    assert "16 MiB" in result.err and "bytes" in result.err
    assert "Broken pipe" not in result.err and "no daemon" not in result.err
