"""A bare NDJSON JSON-RPC client on asyncio streams and orjson: no retries, no events, the least
client-side cost, so the figures show the daemon and not the client library."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson

STREAM_LIMIT = 64 * 1024 * 1024


class RpcFailure(RuntimeError):
    """The daemon answered with an error object."""


class RpcConnection:
    """One connection; ``call`` for request/reply, ``send``/``receive`` to keep several in flight."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._next_id = 0
        self._early: dict[Any, dict[str, Any]] = {}

    @classmethod
    async def open(cls, path: str) -> RpcConnection:
        reader, writer = await asyncio.open_unix_connection(path, limit=STREAM_LIMIT)
        return cls(reader, writer)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    def encode(self, method: str, params: dict[str, Any] | None = None) -> tuple[int, bytes]:
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        return self._next_id, orjson.dumps(message) + b"\n"

    def send(self, method: str, params: dict[str, Any] | None = None) -> int:
        request_id, line = self.encode(method, params)
        self.writer.write(line)
        return request_id

    async def receive(self, request_id: int) -> Any:
        """The result of request ``request_id``; replies to others are kept for later."""
        message = self._early.pop(request_id, None)
        while message is None:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("the daemon closed the connection")
            reply = orjson.loads(line)
            if reply.get("id") == request_id:
                message = reply
            elif "id" in reply:
                self._early[reply["id"]] = reply
        if "error" in message:
            raise RpcFailure(f"{message['error'].get('message')} ({message['error'].get('code')})")
        return message["result"]

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return await self.receive(self.send(method, params))

    async def pipeline(self, lines: list[bytes], window: int = 512) -> int:
        """Send ``lines`` keeping up to ``window`` in flight; return how many replies came back."""
        received = 0
        sent = 0
        while received < len(lines):
            if sent < len(lines) and sent - received < window:
                end = min(len(lines), received + window)
                self.writer.write(b"".join(lines[sent:end]))
                sent = end
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("the connection closed mid-pipeline")
            if b'"result"' not in line[:80] and "error" in orjson.loads(line):
                raise RpcFailure(f"a pipelined request failed: {line[:300]!r}")
            received += 1
        return received


async def open_many(path: str, count: int) -> list[RpcConnection]:
    return [await RpcConnection.open(path) for _ in range(count)]


async def close_all(connections: list[RpcConnection]) -> None:
    for conn in connections:
        await conn.close()
