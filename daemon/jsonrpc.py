"""JSON-RPC 2.0 envelopes: parse a line, run a request or a batch, build the replies.

Framing (lines on a socket) lives in server.py; the methods live in methods/. Here: the
envelope rules of the specification and the mapping of errors to the wire."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson

from sparkq_daemon.context import Context
from sparkq_daemon.errors import (
    Internal,
    InvalidRequest,
    MethodNotFound,
    ParseError,
    RpcError,
    Validation,
)
from sparkq_daemon.registry import METHODS
from sparkq_daemon.validation import check_params, show

log = logging.getLogger("sparkq.rpc")
MAX_BATCH = 1000


def parse(line: bytes) -> Any:
    """Decode one line, or raise ParseError (bad UTF-8, bad JSON, nesting too deep)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":")[0] if "recursion" not in str(exc) else "nesting too deep"
        raise ParseError(f"the line is not valid JSON: {reason}") from None


def error_reply(exc: RpcError, request_id: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": exc.to_wire()}


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


async def run_request(request: Any, ctx: Context) -> dict[str, Any] | None:
    """Run one request object; None for a notification."""
    if not isinstance(request, dict):
        return error_reply(InvalidRequest(f"a request must be a JSON object, not {show(request)}"))
    request_id = request.get("id")
    if not _valid_id(request_id):
        return error_reply(
            InvalidRequest(f"id must be a string, a number or null, not {show(request_id)}")
        )
    if request.get("jsonrpc") != "2.0":
        return error_reply(
            InvalidRequest(f'jsonrpc must be "2.0", not {show(request.get("jsonrpc"))}'), request_id
        )
    name = request.get("method")
    if not isinstance(name, str):
        return error_reply(InvalidRequest(f"method must be a string, not {show(name)}"), request_id)
    notification = "id" not in request
    try:
        result = await _call(name, request.get("params", {}), ctx)
    except RpcError as exc:
        return None if notification else error_reply(exc, request_id)
    except Exception as exc:
        log.exception("internal error in %s", name)
        if notification:
            return None
        return error_reply(Internal(f"internal error in {name}: {exc}"), request_id)
    return None if notification else {"jsonrpc": "2.0", "id": request_id, "result": result}


async def _call(name: str, params: Any, ctx: Context) -> Any:
    if ctx.peer is not None:
        ctx.peer.access.check(name)
    method = METHODS.get(name)
    if method is None:
        raise MethodNotFound(f"unknown method {name!r}", method=name)
    if isinstance(params, list):
        raise Validation("params must be an object of named members, not an array")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise Validation(f"params must be an object, not {show(params)}")
    return await method.handler(ctx, **check_params(method.params, params))


async def run_payload(payload: Any, ctx: Context) -> Any:
    """A request or a batch; returns the reply (object or array) or None."""
    if not isinstance(payload, list):
        return await run_request(payload, ctx)
    if not payload:
        return error_reply(InvalidRequest("an empty batch is not a valid request"))
    if len(payload) > MAX_BATCH:
        return error_reply(
            Validation(f"a batch of {len(payload)} requests is over the limit of {MAX_BATCH}")
        )
    replies = await asyncio.gather(*(run_request(item, ctx) for item in payload))
    answered = [reply for reply in replies if reply is not None]
    return answered or None


def dumps(reply: Any) -> bytes:
    return orjson.dumps(reply) + b"\n"
