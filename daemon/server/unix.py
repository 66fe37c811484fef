"""The Unix socket listener: its owner (peer uid checked) is ``admin``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path

from sparkq_daemon.access import Access
from sparkq_daemon.server.connection import MAX_LINE, Connection

log = logging.getLogger("sparkq.server")
Serve = Callable[[Connection], Awaitable[None]]


def _peer_uid(writer: asyncio.StreamWriter) -> int | None:
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def prepare_socket_dir(path: Path) -> None:
    """Create the socket's folder 0700; refuse one that another user owns."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    owner = folder.stat().st_uid
    if owner != os.getuid():
        raise PermissionError(f"the socket folder {folder} belongs to uid {owner}, not to us")


class UnixListener:
    """Accepts connections on the daemon's socket file (mode 0600)."""

    def __init__(self, path: Path, serve: Serve, daemon: object) -> None:
        self.path = path
        self._serve = serve
        self._daemon = daemon
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        prepare_socket_dir(self.path)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket: we hold the lock, so no live daemon owns it
        self._server = await asyncio.start_unix_server(
            self._accept, path=str(self.path), limit=MAX_LINE + 1, backlog=1024
        )
        self.path.chmod(0o600)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        uid = _peer_uid(writer)
        if uid is not None and uid not in (os.getuid(), 0):
            log.warning("refused a connection from uid %s", uid)
            writer.close()
            return
        await self._serve(Connection(self._daemon, reader, writer, Access("unix", "admin")))  # type: ignore[arg-type]

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
