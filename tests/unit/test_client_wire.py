"""AsyncClient and Client against a scripted server on a real socket: replies matched by id
when they come out of order, notifications routed to subscribe(), close() ending streams."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sparkq_tui.client import AsyncClient, Client
from sparkq_tui.errors import ConflictError, InternalError, SparkQError
from tests.waiting import wait_until


class ScriptedServer:
    """Collects ``batch`` requests, then answers them in reverse order with an event first."""

    def __init__(self, path: Path, batch: int) -> None:
        self.path = path
        self.batch = batch
        self.server: asyncio.AbstractServer | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests = []
        while True:
            line = await reader.readline()
            if not line:
                break
            request = json.loads(line)
            if request["method"] == "events.subscribe":
                reply = {"jsonrpc": "2.0", "id": request["id"], "result": {"subscribed": ["task"]}}
                writer.write(json.dumps(reply).encode() + b"\n")
                continue
            requests.append(request)
            if len(requests) < self.batch:
                continue
            event = {"jsonrpc": "2.0", "method": "event", "params": {"seq": 1, "type": "task.x"}}
            writer.write(json.dumps(event).encode() + b"\n")
            for req in reversed(requests):
                if req["method"] == "fail":
                    error = {"code": -32009, "message": "no", "data": {"type": "Conflict"}}
                    reply = {"jsonrpc": "2.0", "id": req["id"], "error": error}
                else:
                    reply = {"jsonrpc": "2.0", "id": req["id"], "result": req["params"]}
                writer.write(json.dumps(reply).encode() + b"\n")
            requests.clear()
            await writer.drain()
        writer.close()

    async def __aenter__(self) -> ScriptedServer:
        self.server = await asyncio.start_unix_server(self.handle, str(self.path))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def scripted(short_dir: Path) -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer(short_dir / "fake.sock", batch=3) as server:
        yield server


async def test_out_of_order_replies_reach_their_callers(scripted: ScriptedServer) -> None:
    async with AsyncClient(scripted.path) as client:
        results = await asyncio.gather(
            client.call("echo", n=1),
            client.call("fail", {"n": 2}),
            client.call("echo", {"n": 3}, extra=None),
            return_exceptions=True,
        )
    assert results[0] == {"n": 1}
    assert isinstance(results[1], ConflictError) and results[1].data == {"type": "Conflict"}
    assert results[2] == {"n": 3}  # keyword arguments set to None are left out


async def test_notifications_go_to_subscribe_and_close_ends_it(scripted: ScriptedServer) -> None:
    client = AsyncClient(scripted.path)
    await client.connect()
    events = client.subscribe(["task"])
    first = asyncio.ensure_future(events.__anext__())
    await asyncio.gather(*(client.call("echo", n=i) for i in range(3)))
    assert (await asyncio.wait_for(first, 5))["type"] == "task.x"
    rest = asyncio.ensure_future(events.__anext__())
    await client.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(rest, 5)


def test_error_codes_map_to_types() -> None:
    from sparkq_tui.errors import error_from_wire

    assert isinstance(error_from_wire({"code": -32603, "message": "bug"}), InternalError)
    odd = error_from_wire({"code": 7, "message": "odd"})
    assert type(odd) is SparkQError and odd.code == 7 and odd.message == "odd"


async def test_sync_client_close_wakes_a_blocked_subscriber(scripted: ScriptedServer) -> None:
    def scenario() -> list[str]:
        client = Client(scripted.path)
        client.connect()
        seen: list[str] = []
        done = threading.Event()

        def watch() -> None:
            for event in client.subscribe(["task"]):
                seen.append(event["type"])
            done.set()

        threading.Thread(target=watch, daemon=True).start()
        for i in range(3):  # three calls make the server answer (and send one event)
            threading.Thread(target=client.call, args=("echo",), kwargs={"n": i}).start()
        wait_until(lambda: seen, 5.0, "the event")
        client.close()
        assert done.wait(5), "subscribe() did not end on close()"
        return seen

    assert await asyncio.to_thread(scenario) == ["task.x"]
