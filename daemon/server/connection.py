"""One client connection, whatever the listener: framing (one JSON text per line), the
request lifecycle, authentication state and event delivery.

Each request runs in its own task, so a waiting ``task.claim`` never blocks the others on
the same connection; replies go out as they are ready, matched by id. Until a TCP client
has authenticated, its lines are handled one at a time, within the handshake deadline,
and the first refusal closes the connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from sparkq_daemon import jsonrpc
from sparkq_daemon.access import Access
from sparkq_daemon.context import Context, Daemon
from sparkq_daemon.errors import ParseError, TooLarge
from sparkq_daemon.events import Subscription

log = logging.getLogger("sparkq.server")
MAX_LINE = 16 * 1024 * 1024
MAX_IN_FLIGHT = 1024  # per connection: past this, stop reading until replies go out
CLOSE_TIMEOUT = 1.0  # seconds a closing connection may take to flush and shut down


class Connection:
    """One client: reads lines, runs them, writes replies and pushed events."""

    def __init__(
        self,
        daemon: Daemon,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        access: Access,
        hello_timeout: float | None = None,
    ):
        self.daemon = daemon
        self.reader = reader
        self.writer = writer
        self.access = access
        self.closed = asyncio.Event()
        self.ctx = Context(daemon, self)
        self._hello_deadline = (
            asyncio.get_running_loop().time() + hello_timeout if hello_timeout else None
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._subscription: Subscription | None = None
        self._sender: asyncio.Task[None] | None = None
        self.last_seen: float | None = None  # unix time of the last request (worker.list)

    async def serve(self) -> None:
        self.daemon.peers.add(self)
        try:
            while True:
                try:
                    line = await self._read_line()
                except ValueError:  # over the stream limit: the line is too large
                    self.send(
                        jsonrpc.error_reply(
                            TooLarge(
                                f"the line is longer than {MAX_LINE} bytes; the connection is closed"
                            )
                        )
                    )
                    break
                except TimeoutError:  # before OSError: it is one
                    log.warning(
                        "closed the connection from %s: no auth.hello within the deadline",
                        self.access.peer,
                    )
                    break
                except (ConnectionError, OSError):
                    break
                if not line or self.access.revoked:
                    break
                if not line.strip():
                    continue
                await self._slots.acquire()
                if not self.access.authenticated:
                    # Before auth.hello: one line at a time; a refusal closes the connection.
                    await self._handle(line)
                    if not self.access.authenticated:
                        break
                    continue
                task = asyncio.create_task(self._handle(line))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            self.closed.set()
            self.daemon.peers.discard(self)
            await self._finish()

    async def _read_line(self) -> bytes:
        if self._hello_deadline is None or self.access.authenticated:
            return await self.reader.readline()
        remaining = self._hello_deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise TimeoutError
        return await asyncio.wait_for(self.reader.readline(), remaining)

    async def _handle(self, line: bytes) -> None:
        self.last_seen = time.time()
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
            if not self.access.authenticated:  # refused after all: -32001 closes it
                self.writer.close()
        finally:
            self._slots.release()

    def send(self, message: Any) -> None:
        if not self.writer.is_closing():
            self.writer.write(jsonrpc.dumps(message))

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.drain()

    def revoke(self) -> None:
        """The token of this connection was revoked: close it now."""
        self.access.revoked = True
        log.info(
            "closing the connection from %s: the token %r was revoked",
            self.access.peer,
            self.access.token_name,
        )
        self.writer.close()

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
        try:  # a TLS peer that never answers the close must not hold the daemon's stop
            await asyncio.wait_for(self.writer.wait_closed(), CLOSE_TIMEOUT)
        except TimeoutError:
            self.writer.transport.abort()
        except Exception:
            pass
