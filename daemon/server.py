"""The Unix socket: framing (one JSON text per line), connection lifecycle, event delivery.

Each request runs in its own task, so a waiting ``task.claim`` never blocks the others on
the same connection; replies go out as they are ready, matched by id."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
from pathlib import Path
from typing import Any

from sparkq_daemon import jsonrpc
from sparkq_daemon.context import Context, Daemon
from sparkq_daemon.errors import ParseError, TooLarge
from sparkq_daemon.events import Subscription

log = logging.getLogger("sparkq.server")
MAX_LINE = 16 * 1024 * 1024
MAX_IN_FLIGHT = 1024  # per connection: past this, stop reading until replies go out


class Connection:
    """One client: reads lines, runs them, writes replies and pushed events."""

    def __init__(self, daemon: Daemon, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.daemon = daemon
        self.reader = reader
        self.writer = writer
        self.closed = asyncio.Event()
        self.ctx = Context(daemon, self)
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._subscription: Subscription | None = None
        self._sender: asyncio.Task[None] | None = None

    async def serve(self) -> None:
        try:
            while True:
                try:
                    line = await self.reader.readline()
                except ValueError:  # over the stream limit: the line is too large
                    self.send(
                        jsonrpc.error_reply(
                            TooLarge(
                                f"the line is longer than {MAX_LINE} bytes; the connection is closed"
                            )
                        )
                    )
                    break
                except (ConnectionError, OSError):
                    break
                if not line:
                    break
                if not line.strip():
                    continue
                await self._slots.acquire()
                task = asyncio.create_task(self._handle(line))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            self.closed.set()
            await self._finish()

    async def _handle(self, line: bytes) -> None:
        try:
            try:
                payload = jsonrpc.parse(line)
            except ParseError as exc:
                reply: Any = jsonrpc.error_reply(exc)
            else:
                reply = await jsonrpc.run_payload(payload, self.ctx)
            if reply is not None:
                self.send(reply)
                await self._drain()
        finally:
            self._slots.release()

    def send(self, message: Any) -> None:
        if not self.writer.is_closing():
            self.writer.write(jsonrpc.dumps(message))

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.drain()

    def start_events(self, topics: set[str]) -> list[str]:
        """Subscribe this connection (again) to ``topics``."""
        if self._subscription is not None:
            self._subscription.topics = topics
        else:
            self._subscription = self.daemon.bus.subscribe(topics)
            self._sender = asyncio.create_task(self._send_events(self._subscription))
        return sorted(topics)

    async def _send_events(self, sub: Subscription) -> None:
        while not self.writer.is_closing():
            event = await sub.next()
            if event.get("type") == "events.overflow":
                self.send(
                    {"jsonrpc": "2.0", "method": "events.overflow", "params": {"seq": event["seq"]}}
                )
            else:
                self.send({"jsonrpc": "2.0", "method": "event", "params": event})
            await self._drain()

    async def _finish(self) -> None:
        # Requests already read run to the end: an acknowledged write is never cut short,
        # and a claim made for a client that left is handed back (see task.claim).
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._subscription is not None:
            self.daemon.bus.unsubscribe(self._subscription)
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(BaseException):
                await self._sender
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


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


class Server:
    """Accepts connections on the socket until ``close``."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.connections: set[Connection] = set()
        self._server: asyncio.AbstractServer | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        path = self.daemon.socket_path
        prepare_socket_dir(path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a stale socket: we hold the lock, so no live daemon owns it
        self._server = await asyncio.start_unix_server(
            self._accept, path=str(path), limit=MAX_LINE + 1, backlog=1024
        )
        path.chmod(0o600)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        uid = _peer_uid(writer)
        if uid is not None and uid not in (os.getuid(), 0):
            log.warning("refused a connection from uid %s", uid)
            writer.close()
            return
        conn = Connection(self.daemon, reader, writer)
        self.connections.add(conn)
        self._handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await conn.serve()
        finally:
            self.connections.discard(conn)
            self._handlers.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def close(self, grace: float = 10.0) -> None:
        """Stop accepting, let requests in flight finish (up to ``grace``), close the rest."""
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.reader.feed_eof()
        if self._handlers:
            _, pending = await asyncio.wait(set(self._handlers), timeout=grace)
            for task in pending:
                task.cancel()
        with contextlib.suppress(FileNotFoundError):
            self.daemon.socket_path.unlink()
