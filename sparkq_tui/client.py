"""Python clients for the SparkQ daemon: ``AsyncClient`` (asyncio) and ``Client`` (sync).

Both speak the protocol (docs/protocol.md) over the Unix socket or TCP/TLS (``url=``,
``SPARKQ_URL``; see ``sparkq_tui.endpoint``), sending ``auth.hello`` with the token first on
TCP, at every (re)connect. Concurrent calls share one connection and are matched by id, errors arrive as typed exceptions, events come from ``subscribe()``, and a lost
connection is re-opened on the next call (subscriptions are renewed)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import os
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from sparkq_daemon.paths import resolve_socket
from sparkq_tui.endpoint import Endpoint, resolve_endpoint
from sparkq_tui.errors import (
    DaemonUnavailable,
    RequestTooLarge,
    SparkQError,
    UnauthorizedError,
    check_request_size,
    error_from_wire,
)

STREAM_LIMIT = 16 * 1024 * 1024 + 1024
_CLOSED: dict[str, Any] = {"type": "client.closed"}  # ends subscribe() after close()
DEFAULT_TOPICS = ("session", "queue", "task")
ENQUEUE_WINDOW = 64  # enqueue_many's calls in flight: past ~32 the rate is flat (bench)
SEND_FAILED_WAIT = 5.0  # after a failed send, how long to wait for the daemon's last words
WAIT_CHUNK = 600.0  # the longest one task.wait may wait; longer waits are several calls

log = logging.getLogger("sparkq.client")


def unreachable(endpoint: Endpoint, exc: BaseException) -> str:
    """The message for a daemon that does not answer at ``endpoint``."""
    import ssl

    if isinstance(exc, ssl.SSLError):  # a certificate the client does not trust, say
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return (
            f"no TLS connection to the daemon at {endpoint} ({reason}); check --ca / SPARKQ_CA_FILE"
        )
    hint = "start one with `sparkq start`" if not endpoint.remote else "is it listening there?"
    return f"no SparkQ daemon answers on {endpoint} ({exc.__class__.__name__}); {hint}"


class AsyncClient:
    """An asyncio client. Use ``async with AsyncClient() as c: await c.call("system.ping")``.

    ``reconnect_timeout`` bounds how long a call waits for the daemon to come back after the
    connection is lost; calls in flight when it is lost raise ``DaemonUnavailable`` (their
    writes may or may not have been committed, so they are never replayed blindly)."""

    def __init__(
        self,
        socket: str | os.PathLike[str] | Endpoint | None = None,
        *,
        url: str | None = None,
        token: str | None = None,
        ca: str | None = None,
        config: str | os.PathLike[str] | None = None,
        reconnect_timeout: float = 10.0,
    ) -> None:
        if isinstance(socket, Endpoint):
            self.endpoint = socket
        else:
            self.endpoint = resolve_endpoint(
                url=url,
                socket=socket,
                token=token,
                ca_file=ca,
                socket_path=lambda: resolve_socket(None, config),
            )
        self.reconnect_timeout = reconnect_timeout
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._sizes: dict[int, int] = {}  # bytes of each request in flight
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._connect_lock = asyncio.Lock()
        self._topics: tuple[str, ...] | None = None
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._closed = False
        self.connected = False
        # A call sent first on every connection, reconnections included (worker.hello).
        self.greeting: tuple[str, dict[str, Any]] | None = None

    @property
    def url(self) -> str:
        """The daemon's address as a URL (``unix:///…``, ``tcp://…``, ``tls://…``)."""
        return self.endpoint.url

    @property
    def socket_path(self) -> Path | None:
        """The Unix socket's path; None for a daemon reached over TCP."""
        return self.endpoint.path

    async def __aenter__(self) -> AsyncClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the connection; raise ``DaemonUnavailable`` when nothing answers."""
        async with self._connect_lock:
            if self.connected:
                return
            if self.endpoint.remote and not self.endpoint.token:
                raise UnauthorizedError(
                    f"the daemon at {self.endpoint} needs a token: set SPARKQ_TOKEN or --token"
                )
            try:
                reader, writer = await self.endpoint.open(STREAM_LIMIT)
            except (OSError, ValueError) as exc:
                raise DaemonUnavailable(unreachable(self.endpoint, exc)) from None
            stale = self._writer
            if stale is not None:  # the transport of a connection the daemon dropped
                stale.close()
            self._reader, self._writer = reader, writer
            self.connected = True
            self._read_task = asyncio.create_task(self._read_loop(reader))
            if self.endpoint.remote:
                try:
                    await self._send_and_wait("auth.hello", {"token": self.endpoint.token})
                except SparkQError:
                    await self._drop_connection()
                    raise
            if self.greeting is not None:
                try:
                    await self._send_and_wait(*self.greeting)
                except SparkQError as exc:  # an older daemon: the connection still serves
                    log.info("%s refused: %s", self.greeting[0], exc.message)
            if self._topics is not None:
                await self._send_and_wait("events.subscribe", {"topics": list(self._topics)})

    async def close(self) -> None:
        """Close the connection for good; pending calls raise ``DaemonUnavailable``."""
        self._closed = True
        await self._drop_connection()
        self._events.put_nowait(_CLOSED)

    async def _drop_connection(self) -> None:
        self.connected = False
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        task, self._read_task = self._read_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self._fail_pending()

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        self._sizes = {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(
                    DaemonUnavailable(f"connection to the daemon at {self.endpoint} was lost")
                )

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                try:
                    message = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(message, list):
                    for item in message:
                        self._deliver(item)
                else:
                    self._deliver(message)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            self.connected = False
            self._fail_pending()
            if self._topics is not None and not self._closed:
                self._events.put_nowait({"topic": "connection", "type": "connection.lost"})

    def _deliver(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        if "method" in message and "id" not in message:
            if message.get("method") in ("event", "events.overflow"):
                params = message.get("params") or {}
                if message["method"] == "events.overflow":
                    params = {"topic": "events", "type": "events.overflow", **params}
                self._events.put_nowait(params)
            return
        request_id = message.get("id")
        error = error_from_wire(message["error"]) if "error" in message else None
        if request_id is None and isinstance(error, RequestTooLarge) and self._sizes:
            # The daemon could not read the line, so its reply has no id and it closes the
            # connection: the oversized line is the largest request in flight.
            request_id = max(self._sizes, key=self._sizes.__getitem__)
        fut = self._pending.pop(request_id, None)  # type: ignore[arg-type]
        self._sizes.pop(request_id, None)  # type: ignore[arg-type]
        if fut is None or fut.done():
            return
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(message.get("result"))

    async def _ensure_connected(self) -> None:
        if self.connected:
            return
        if self._closed:
            raise DaemonUnavailable("the client is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        delay = 0.05
        while True:
            try:
                await self.connect()
                return
            except DaemonUnavailable:
                if loop.time() + delay > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)

    async def _send_and_wait(self, method: str, params: dict[str, Any] | None) -> Any:
        writer = self._writer
        if writer is None:
            raise DaemonUnavailable(f"not connected to the daemon at {self.endpoint}")
        request_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params:
            message["params"] = params
        data = orjson.dumps(message)
        check_request_size(len(data))
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = fut
        self._sizes[request_id] = len(data)
        try:
            writer.write(data + b"\n")
            await writer.drain()
        except (OSError, RuntimeError) as exc:
            # The daemon closed the connection; its reply (TooLarge, say) may still be on the
            # way: the read loop settles this call with it, or with the connection's loss.
            try:
                return await asyncio.wait_for(fut, SEND_FAILED_WAIT)
            except TimeoutError:
                raise DaemonUnavailable(f"could not send to the daemon: {exc}") from None
            finally:
                self._pending.pop(request_id, None)
                self._sizes.pop(request_id, None)
        try:
            return await fut
        finally:
            self._pending.pop(request_id, None)
            self._sizes.pop(request_id, None)

    async def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """Call ``method`` with ``params`` (or keyword arguments) and return its result.

        Keyword arguments whose value is ``None`` are left out."""
        merged = dict(params or {})
        merged.update({k: v for k, v in kw.items() if v is not None})
        await self._ensure_connected()
        return await self._send_and_wait(method, merged)

    async def subscribe(
        self, topics: tuple[str, ...] | list[str] = DEFAULT_TOPICS
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield events (the ``params`` of each ``event`` notification) for ever.

        After a lost connection it yields ``{"type": "connection.lost"}``, reconnects
        (waiting as long as it takes), re-subscribes and yields ``{"type":
        "connection.restored"}``: the caller should re-read state then."""
        self._topics = tuple(topics)
        if self.connected:
            await self._send_and_wait("events.subscribe", {"topics": list(self._topics)})
        else:
            await self._ensure_connected()
        while True:
            event = await self._events.get()
            if event is _CLOSED or self._closed:
                return
            yield event
            if event.get("type") == "connection.lost":
                while not self.connected:
                    if self._closed:
                        return
                    try:
                        await self._ensure_connected()
                    except DaemonUnavailable:
                        await asyncio.sleep(0.2)
                        continue
                yield {"topic": "connection", "type": "connection.restored"}

    # Convenience wrappers for the everyday calls.
    async def ping(self) -> dict[str, Any]:
        return await self.call("system.ping")

    async def enqueue(
        self, queue: str, tool: str, payload: Any = None, **options: Any
    ) -> dict[str, Any]:
        """Enqueue one task; ``options`` may hold task_class, timeout, priority."""
        return await self.call("task.enqueue", queue=queue, tool=tool, payload=payload, **options)

    async def enqueue_many(
        self,
        queue: str,
        items: Iterable[dict[str, Any]],
        *,
        window: int = ENQUEUE_WINDOW,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """Enqueue each item (``{tool, payload?, task_class?, timeout?, priority?}``) as its
        own ``task.enqueue``, up to ``window`` calls in flight on this one connection; the
        Tasks in the order of ``items``. Unlike ``task.enqueue_batch`` it is not all or none:
        by default the first refusal stops sending and is raised once the calls in flight
        are answered (the tasks already enqueued stay); with ``return_exceptions`` every item
        is tried and a refused one's place holds its exception."""
        if window < 1:
            raise ValueError(f"window must be at least 1, not {window}")
        pending = enumerate(items)
        results: dict[int, Any] = {}
        failure: list[BaseException] = []

        async def sender() -> None:
            for index, item in pending:  # the workers share one iterator: each item once
                if failure:
                    return
                try:
                    results[index] = await self.call("task.enqueue", {"queue": queue, **item})
                except SparkQError as exc:
                    if not return_exceptions:
                        failure.append(exc)
                        return
                    results[index] = exc

        await asyncio.gather(*(sender() for _ in range(window)))
        if failure:
            raise failure[0]
        return [results[i] for i in range(len(results))]

    async def wait(self, task_id: str, timeout: float | None = 30.0) -> dict[str, Any]:
        """Wait until the task is succeeded, failed or cancelled, or ``timeout`` seconds pass
        (None: for ever), and return the Task as it is then: at the timeout it is returned
        unfinished (check ``task["status"]``), not raised. A task waiting out a retry is not
        finished. Waits over 600 s are made of several ``task.wait`` calls."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + max(timeout, 0.0)
        while True:
            left = WAIT_CHUNK if deadline is None else max(deadline - loop.time(), 0.0)
            reply = await self.call("task.wait", id=task_id, timeout=min(left, WAIT_CHUNK))
            if reply["done"] or (deadline is not None and loop.time() >= deadline):
                return reply["task"]

    async def claim(
        self, queue: str | None = None, *, worker: str | None = None, wait: float = 0
    ) -> dict[str, Any] | None:
        """Claim the next task (waiting up to ``wait`` seconds); ``None`` when there is none."""
        result = await self.call("task.claim", queue=queue, worker=worker, wait=wait or None)
        return result["task"]

    async def complete(self, task_id: str, result: Any = None, **output: Any) -> dict[str, Any]:
        return await self.call("task.complete", id=task_id, result=result, **output)

    async def fail(self, task_id: str, error: str, **output: Any) -> dict[str, Any]:
        return await self.call("task.fail", id=task_id, error=error, **output)

    async def heartbeat(self, task_id: str) -> dict[str, Any]:
        return await self.call("task.heartbeat", id=task_id)


class Client:
    """The synchronous face of ``AsyncClient``: the same calls, run on a private event loop
    in a background thread. Use ``with Client() as c: c.call("system.ping")``."""

    def __init__(
        self,
        socket: str | os.PathLike[str] | Endpoint | None = None,
        *,
        url: str | None = None,
        token: str | None = None,
        ca: str | None = None,
        config: str | os.PathLike[str] | None = None,
        reconnect_timeout: float = 10.0,
    ) -> None:
        self._streams: set[concurrent.futures.Future[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        options = {"url": url, "token": token, "ca": ca, "config": config}
        self._async = self._run(self._make(socket, options, reconnect_timeout))
        self.endpoint = self._async.endpoint
        self.url = self._async.url
        self.socket_path = self._async.socket_path

    @staticmethod
    async def _make(socket: Any, options: dict[str, Any], reconnect_timeout: float) -> AsyncClient:
        return AsyncClient(socket, reconnect_timeout=reconnect_timeout, **options)

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __enter__(self) -> Client:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        self._run(self._async.connect())

    def close(self) -> None:
        """Close the connection and stop the background loop."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(SparkQError):
            self._run(self._async.close())
        for pending in list(self._streams):  # wake threads blocked in subscribe()
            pending.cancel()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """Call ``method`` and return its result (see ``AsyncClient.call``)."""
        return self._run(self._async.call(method, params, **kw))

    def subscribe(self, topics: tuple[str, ...] | list[str] = DEFAULT_TOPICS) -> Iterator[dict]:
        """Yield events until ``close()`` (see ``AsyncClient.subscribe``); safe to iterate in
        another thread than the one calling."""
        agen = self._async.subscribe(topics)
        while not self._loop.is_closed():
            pending = asyncio.run_coroutine_threadsafe(agen.__anext__(), self._loop)
            self._streams.add(pending)
            try:
                event = pending.result()
            except (StopAsyncIteration, concurrent.futures.CancelledError):
                return
            finally:
                self._streams.discard(pending)
            yield event

    def ping(self) -> dict[str, Any]:
        return self._run(self._async.ping())

    def enqueue(self, queue: str, tool: str, payload: Any = None, **options: Any) -> dict:
        return self._run(self._async.enqueue(queue, tool, payload, **options))

    def enqueue_many(
        self,
        queue: str,
        items: Iterable[dict[str, Any]],
        *,
        window: int = ENQUEUE_WINDOW,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """See ``AsyncClient.enqueue_many``."""
        return self._run(
            self._async.enqueue_many(
                queue, list(items), window=window, return_exceptions=return_exceptions
            )
        )

    def wait(self, task_id: str, timeout: float | None = 30.0) -> dict[str, Any]:
        """See ``AsyncClient.wait``: the Task once it ended or at the timeout."""
        return self._run(self._async.wait(task_id, timeout))

    def claim(
        self, queue: str | None = None, *, worker: str | None = None, wait: float = 0
    ) -> dict[str, Any] | None:
        return self._run(self._async.claim(queue, worker=worker, wait=wait))

    def complete(self, task_id: str, result: Any = None, **output: Any) -> dict[str, Any]:
        return self._run(self._async.complete(task_id, result, **output))

    def fail(self, task_id: str, error: str, **output: Any) -> dict[str, Any]:
        return self._run(self._async.fail(task_id, error, **output))

    def heartbeat(self, task_id: str) -> dict[str, Any]:
        return self._run(self._async.heartbeat(task_id))
