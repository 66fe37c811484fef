"""``GET /metrics`` over HTTP on the daemon's own asyncio loop.

Served here rather than by prometheus_client's threaded server: the gauges await the store,
which lives on this loop. One request per connection (``Connection: close``); a client gets
``REQUEST_TIMEOUT`` seconds to send its request, and at most ``MAX_CONNECTIONS`` are served at
once (more are closed at once), so a silent or slow peer costs nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST

log = logging.getLogger("sparkq.metrics")
REQUEST_TIMEOUT = 10.0
MAX_CONNECTIONS = 32
MAX_HEADERS = 100
MAX_LINE = 8192


class MetricsEndpoint:
    """An HTTP listener answering ``GET /metrics`` with ``render()``."""

    def __init__(self, host: str, port: int, render: Callable[[], Awaitable[bytes]]) -> None:
        self.host = host
        self.port = port
        self.render = render
        self._server: asyncio.Server | None = None
        self._open = 0

    async def start(self) -> str:
        """Listen; the endpoint's URL (with the port picked when ``port`` is 0)."""
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, limit=MAX_LINE
        )
        port = self._server.sockets[0].getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/metrics"

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open += 1
        try:
            if self._open <= MAX_CONNECTIONS:
                with contextlib.suppress(TimeoutError, ConnectionError, ValueError):
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        await self._answer(reader, writer)
        finally:
            self._open -= 1
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        words = (await reader.readline()).decode("latin-1").split()
        for _ in range(MAX_HEADERS):
            if not (await reader.readline()).strip():  # the blank line, or the end
                break
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            status, body, kind = "400 Bad Request", b"a request line: GET /metrics HTTP/1.1\n", ""
        elif words[1].split("?", 1)[0] != "/metrics":
            status, body, kind = "404 Not Found", b"metrics are at /metrics\n", ""
        elif words[0] not in ("GET", "HEAD"):
            status, body, kind = "405 Method Not Allowed", b"only GET /metrics\n", ""
        else:
            try:
                status, body, kind = "200 OK", await self.render(), CONTENT_TYPE_LATEST
            except Exception:
                log.exception("cannot render /metrics")
                status, body, kind = "500 Internal Server Error", b"see the daemon's log\n", ""
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {kind or 'text/plain; charset=utf-8'}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + (b"" if words[:1] == ["HEAD"] else body))
        await writer.drain()
