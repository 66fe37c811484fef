"""The JSON-RPC envelope and dispatch layer, without a socket."""

from __future__ import annotations

import logging

import pytest

from sparkq_daemon import jsonrpc
from sparkq_daemon.context import Context
from sparkq_daemon.errors import Conflict, ParseError
from sparkq_daemon.registry import METHODS, rpc
from sparkq_daemon.validation import required


@pytest.fixture
def test_methods():
    @rpc("test.echo", text=required("str"))
    async def echo(ctx: Context, text: str) -> dict:
        return {"text": text}

    @rpc("test.bug")
    async def bug(ctx: Context) -> dict:
        raise RuntimeError("kaboom")

    @rpc("test.refuse")
    async def refuse(ctx: Context) -> dict:
        raise Conflict("no, because of 'x'")

    yield
    for name in ("test.echo", "test.bug", "test.refuse"):
        METHODS.pop(name, None)


CTX = Context(daemon=None)  # type: ignore[arg-type]


async def test_result_and_domain_error(test_methods) -> None:
    ok = await jsonrpc.run_request(
        {"jsonrpc": "2.0", "id": 1, "method": "test.echo", "params": {"text": "hi"}}, CTX
    )
    assert ok == {"jsonrpc": "2.0", "id": 1, "result": {"text": "hi"}}
    refused = await jsonrpc.run_request({"jsonrpc": "2.0", "id": "r", "method": "test.refuse"}, CTX)
    assert refused["error"] == {
        "code": -32009,
        "message": "no, because of 'x'",
        "data": {"type": "Conflict"},
    }


async def test_a_bug_is_internal_logged_with_traceback(test_methods, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="sparkq.rpc"):
        reply = await jsonrpc.run_request({"jsonrpc": "2.0", "id": 2, "method": "test.bug"}, CTX)
    assert reply["error"]["code"] == -32603
    assert "kaboom" in reply["error"]["message"]
    assert any(r.exc_info for r in caplog.records)


async def test_notifications_get_no_reply_even_on_error(test_methods) -> None:
    assert await jsonrpc.run_request({"jsonrpc": "2.0", "method": "test.bug"}, CTX) is None
    assert await jsonrpc.run_request({"jsonrpc": "2.0", "method": "nope"}, CTX) is None


async def test_batch_keeps_request_order(test_methods) -> None:
    replies = await jsonrpc.run_payload(
        [
            {"jsonrpc": "2.0", "id": i, "method": "test.echo", "params": {"text": str(i)}}
            for i in range(5)
        ],
        CTX,
    )
    assert [r["id"] for r in replies] == list(range(5))


def test_parse_errors() -> None:
    for bad in (b"{", b"\xff", b"[" * 5000):
        with pytest.raises(ParseError):
            jsonrpc.parse(bad)
