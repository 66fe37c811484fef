"""Framing and envelope rules of docs/protocol.md, and bad input that must cost nothing."""

from __future__ import annotations

import json

import pytest

from tests.daemon_process import DaemonProcess
from tests.wire import Wire


def test_ping_over_the_socket(wire: Wire) -> None:
    result = wire.call("system.ping")
    assert result["version"]
    assert isinstance(result["pid"], int)
    assert result["uptime_s"] >= 0


def test_invalid_json_is_a_parse_error_and_the_connection_stays_usable(wire: Wire) -> None:
    wire.send_raw(b"{not json\n")
    reply = wire.read()
    assert reply["error"]["code"] == -32700
    assert reply["error"]["data"]["type"] == "ParseError"
    assert reply["id"] is None
    assert wire.call("system.ping")["pid"] > 0


def test_invalid_utf8_is_a_parse_error(wire: Wire) -> None:
    wire.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}\n')
    assert wire.read()["error"]["code"] == -32700
    assert wire.call("system.ping")


def test_deep_nesting_is_refused_without_harm(wire: Wire) -> None:
    depth = 100_000
    wire.send_raw(b"[" * depth + b"]" * depth + b"\n")
    reply = wire.read()
    assert reply["error"]["code"] == -32700
    assert wire.call("system.ping")


def test_line_over_16_mib_is_too_large_and_closes_only_that_connection(
    daemon: DaemonProcess,
) -> None:
    with Wire(daemon.socket, timeout=30) as big, Wire(daemon.socket) as other:
        big.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"x":"')
        chunk = b"a" * (1 << 20)
        try:
            for _ in range(17):
                big.send_raw(chunk)
            big.send_raw(b'"}}\n')
        except OSError:
            pass  # the daemon closed while we were still writing
        reply = big.read()
        assert reply["error"]["code"] == -32600
        assert reply["error"]["data"]["type"] == "TooLarge"
        with pytest.raises(OSError):
            big.read_line()
        assert other.call("system.ping")


def test_positional_params_are_invalid_params(wire: Wire) -> None:
    reply = wire.request("session.create", ["x"])
    error = reply["error"]
    assert error["code"] == -32602
    assert "object" in error["message"]


def test_unknown_method_names_it(wire: Wire) -> None:
    error = wire.error("task.frobnicate")
    assert error["code"] == -32601
    assert "task.frobnicate" in error["message"]


@pytest.mark.parametrize(
    "request_obj",
    [
        {"id": 1, "method": "system.ping"},
        {"jsonrpc": "1.0", "id": 1, "method": "system.ping"},
        {"jsonrpc": "2.0", "id": 1, "method": 5},
        {"jsonrpc": "2.0", "id": {}, "method": "x"},
        42,
    ],
)
def test_invalid_request_objects(wire: Wire, request_obj: object) -> None:
    wire.send_raw(json.dumps(request_obj).encode() + b"\n")
    reply = wire.read()
    assert reply["error"]["code"] == -32600
    assert reply["error"]["data"]["type"] == "InvalidRequest"


def test_batch_answers_requests_and_skips_notifications(wire: Wire) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": "a", "method": "system.ping"},
        {"jsonrpc": "2.0", "method": "system.ping"},
        {"jsonrpc": "2.0", "id": "b", "method": "no.such"},
        7,
    ]
    wire.send_raw(json.dumps(batch).encode() + b"\n")
    replies = wire.read()
    assert isinstance(replies, list)
    assert len(replies) == 3
    by_id = {r["id"]: r for r in replies if r["id"] is not None}
    assert "result" in by_id["a"]
    assert by_id["b"]["error"]["code"] == -32601
    assert [r["error"]["code"] for r in replies if r["id"] is None] == [-32600]


def test_batch_of_notifications_gets_no_reply(wire: Wire) -> None:
    wire.send_raw(b'[{"jsonrpc":"2.0","method":"system.ping"}]\n')
    wire.send_raw(b'{"jsonrpc":"2.0","method":"system.ping"}\n')
    assert wire.call("system.ping")  # the first line that comes back is this reply


def test_empty_batch_is_one_invalid_request(wire: Wire) -> None:
    wire.send_raw(b"[]\n")
    reply = wire.read()
    assert isinstance(reply, dict)
    assert reply["error"]["code"] == -32600


def test_batch_over_1000_is_refused(wire: Wire) -> None:
    batch = [{"jsonrpc": "2.0", "id": i, "method": "system.ping"} for i in range(1001)]
    wire.send_raw(json.dumps(batch).encode() + b"\n")
    reply = wire.read()
    assert reply["error"]["code"] == -32602
    assert "1001" in reply["error"]["message"]


def test_replies_may_come_out_of_order(wire: Wire, queue: str) -> None:
    wire.send_raw(
        json.dumps(
            {
                "jsonrpc": "2.0",
                "id": "slow",
                "method": "task.claim",
                "params": {"queue": queue, "wait": 5},
            }
        ).encode()
        + b"\n"
    )
    wire.send_raw(b'{"jsonrpc":"2.0","id":"fast","method":"system.ping"}\n')
    assert wire.read()["id"] == "fast"
    wire.send_raw(
        json.dumps(
            {
                "jsonrpc": "2.0",
                "id": "e",
                "method": "task.enqueue",
                "params": {"queue": queue, "tool": "run-bash"},
            }
        ).encode()
        + b"\n"
    )
    replies = {wire.read()["id"]: None, wire.read()["id"]: None}
    assert set(replies) == {"slow", "e"}


def test_socket_file_is_private(daemon: DaemonProcess) -> None:
    assert daemon.socket.stat().st_mode & 0o777 == 0o600
