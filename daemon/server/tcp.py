"""The TCP listener (``server.tcp``): TLS when configured, a token on every connection.

The TLS handshake and the first request (``auth.hello``) must both come within the
handshake timeout; connections not yet authenticated are capped, so a flood of silent
peers cannot crowd out the clients that have a token."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from sparkq_daemon.access import Access
from sparkq_daemon.server.connection import MAX_LINE, Connection
from sparkq_daemon.tcp_config import TcpSettings, server_ssl_context

log = logging.getLogger("sparkq.server")
Serve = Callable[[Connection], Awaitable[None]]


def _peer_name(writer: asyncio.StreamWriter) -> str:
    addr: Any = writer.get_extra_info("peername")
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = f"[{addr[0]}]" if ":" in str(addr[0]) else addr[0]
        return f"{host}:{addr[1]}"
    return str(addr)


class TcpListener:
    """Accepts TCP (or TLS) connections; each must authenticate before anything else."""

    def __init__(self, settings: TcpSettings, serve: Serve, daemon: Any) -> None:
        self.settings = settings
        self._serve = serve
        self._daemon = daemon
        self._server: asyncio.AbstractServer | None = None
        self.unauthenticated = 0
        self.url: str | None = None

    async def start(self) -> str:
        """Listen; return the URL clients use (the real port when ``listen`` gave 0)."""
        s = self.settings
        ctx = server_ssl_context(s)
        self._server = await asyncio.start_server(
            self._accept,
            s.host,
            s.port,
            ssl=ctx,
            ssl_handshake_timeout=s.handshake_timeout if ctx else None,
            limit=MAX_LINE + 1,
            backlog=1024,
        )
        port = self._server.sockets[0].getsockname()[1]
        host = f"[{s.host}]" if ":" in s.host else s.host
        self.url = f"{'tls' if ctx else 'tcp'}://{host}:{port}"
        return self.url

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = _peer_name(writer)
        if self.unauthenticated >= self.settings.max_unauthenticated:
            log.warning(
                "refused a connection from %s: %d connections are waiting to authenticate",
                peer,
                self.unauthenticated,
            )
            writer.close()
            return
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self.unauthenticated += 1
        access = Access(peer, on_grant=self._authenticated)
        try:
            await self._serve(
                Connection(self._daemon, reader, writer, access, self.settings.handshake_timeout)
            )
        finally:
            if not access.granted:
                self.unauthenticated -= 1

    def _authenticated(self) -> None:
        self.unauthenticated -= 1

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
