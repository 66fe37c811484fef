"""The daemon's listeners: the Unix socket and, when configured, TCP (with TLS and tokens).
Both hand each client to the same ``Connection``."""

from __future__ import annotations

import asyncio
from typing import Any

from sparkq_daemon.context import Daemon
from sparkq_daemon.server.connection import MAX_IN_FLIGHT, MAX_LINE, Connection
from sparkq_daemon.server.tcp import TcpListener
from sparkq_daemon.server.unix import UnixListener, prepare_socket_dir

__all__ = ["MAX_IN_FLIGHT", "MAX_LINE", "Connection", "Server", "prepare_socket_dir"]


class Server:
    """Accepts connections on every listener until ``close``."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.connections: set[Connection] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self.unix = UnixListener(daemon.socket_path, self._serve, daemon)
        tcp = daemon.config.tcp()
        self.tcp = TcpListener(tcp, self._serve, daemon) if tcp else None

    async def start(self) -> None:
        # TCP first: once the socket answers system.ping, every listener is up.
        if self.tcp is not None:
            self.daemon.tcp_url = await self.tcp.start()
        await self.unix.start()

    async def _serve(self, conn: Connection) -> None:
        self.connections.add(conn)
        self._handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await conn.serve()
        finally:
            self.connections.discard(conn)
            self._handlers.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def close(self, grace: float = 10.0) -> None:
        """Stop accepting, let requests in flight finish (up to ``grace``), close the rest."""
        self.unix.close()
        if self.tcp is not None:
            self.tcp.close()
        for conn in list(self.connections):
            conn.reader.feed_eof()
        if self._handlers:
            _, pending = await asyncio.wait(set(self._handlers), timeout=grace)
            for task in pending:
                task.cancel()
        self.unix.remove()
