"""The Python clients against a real daemon: concurrent calls on one connection, typed
errors, events, and surviving a daemon restart (re-subscribing)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sparkq_tui.client import AsyncClient, Client
from sparkq_tui.errors import (
    ConflictError,
    DaemonUnavailable,
    MethodNotFoundError,
    NotFoundError,
    ValidationError,
)
from tests.daemon_process import DaemonProcess
from tests.waiting import await_until, wait_until


async def _queue(client: AsyncClient, name: str = "jobs") -> str:
    await client.call("session.create", name="work")
    await client.call("queue.create", name=name, session="work")
    return name


async def _next_event(events, wanted: str, timeout: float = 10.0) -> dict:
    async def scan() -> dict:
        async for event in events:
            if event.get("type") == wanted:
                return event
        raise AssertionError("the event stream ended")

    return await asyncio.wait_for(scan(), timeout)


async def test_concurrent_calls_share_one_connection(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as client:
        queue = await _queue(client)
        # A claim waiting for work must not hold up the calls behind it.
        waiting = asyncio.create_task(client.claim(queue, worker="w1", wait=10))
        names = [f"s{i}" for i in range(40)]
        created = await asyncio.gather(*(client.call("session.create", name=n) for n in names))
        assert [s["name"] for s in created] == names  # each reply reached its own caller
        assert not waiting.done()
        task = await client.enqueue(queue, "run-bash", {"script": "true"})
        claimed = await asyncio.wait_for(waiting, 10)
        assert claimed["id"] == task["id"] and claimed["worker"] == "w1"
        done = await client.complete(task["id"], {"ok": True}, stdout="hi")
        assert (done["status"], done["result"]) == ("succeeded", {"ok": True})


async def test_typed_errors_carry_the_daemons_message(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as client:
        queue = await _queue(client)
        with pytest.raises(NotFoundError) as missing:
            await client.call("task.get", id="NOPE-0001")
        assert missing.value.code == -32004
        assert missing.value.data["type"] == "NotFound"
        assert "NOPE-0001" in missing.value.message

        task = await client.enqueue(queue, "run-bash", {"script": "x"})
        with pytest.raises(ConflictError) as conflict:
            await client.complete(task["id"])
        assert conflict.value.data["type"] == "Conflict"

        with pytest.raises(ValidationError) as invalid:
            await client.enqueue(queue, "no-such-tool")
        assert invalid.value.data["type"] == "Validation"
        with pytest.raises(MethodNotFoundError):
            await client.call("no.such")
        # The connection is still good after errors.
        assert (await client.ping())["pid"] > 0


async def test_no_daemon_raises_daemon_unavailable(short_dir) -> None:
    client = AsyncClient(short_dir / "none.sock", reconnect_timeout=0.2)
    with pytest.raises(DaemonUnavailable) as err:
        await client.call("system.ping")
    assert "sparkq start" in err.value.message
    await client.close()


async def test_subscribe_receives_events(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as watcher, AsyncClient(daemon.socket) as actor:
        events = watcher.subscribe(["task"])
        first = asyncio.ensure_future(_next_event(events, "task.enqueued"))
        await asyncio.sleep(0)  # let the subscription start before the action
        await _wait_subscribed(watcher)
        queue = await _queue(actor)
        task = await actor.enqueue(queue, "run-bash", {"script": "true"})
        event = await first
        assert event["id"] == task["id"] and event["topic"] == "task"
        assert isinstance(event["seq"], int)
        # Calls still work on a subscribed connection.
        assert (await watcher.call("task.get", id=task["id"]))["status"] == "queued"


async def _wait_subscribed(client: AsyncClient, timeout: float = 5.0) -> None:
    await await_until(
        lambda: client._topics is not None and client.connected, timeout, "subscribe() to start"
    )
    await client.ping()  # the subscribe request was sent before this one


async def test_survives_a_daemon_restart_and_resubscribes(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket, reconnect_timeout=20) as client:
        queue = await _queue(client)
        events = client.subscribe(["task"])
        pending = asyncio.ensure_future(_next_event(events, "connection.lost", 20))
        await _wait_subscribed(client)
        await asyncio.to_thread(daemon.restart)
        await pending
        await _next_event(events, "connection.restored", 20)
        # The same client calls again, and the renewed subscription delivers new events.
        enqueued = asyncio.ensure_future(_next_event(events, "task.enqueued", 20))
        task = await client.enqueue(queue, "run-bash", {"script": "true"})
        assert (await enqueued)["id"] == task["id"]


async def test_a_call_after_a_restart_reconnects(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket, reconnect_timeout=20) as client:
        before = await client.ping()
        await asyncio.to_thread(daemon.restart)
        after = await client.ping()
        assert after["pid"] != before["pid"]


def test_sync_client(daemon: DaemonProcess) -> None:
    with Client(daemon.socket) as client:
        client.call("session.create", name="work")
        client.call("queue.create", {"name": "jobs", "session": "work"})
        task = client.enqueue("jobs", "run-python", {"script": "print(1)"}, priority=3)
        assert task["priority"] == 3
        claimed = client.claim("jobs", worker="sync")
        assert claimed["id"] == task["id"]
        client.heartbeat(task["id"])
        failed = client.fail(task["id"], "it broke", stderr="trace")
        assert (failed["status"], failed["error"], failed["stderr"]) == (
            "failed",
            "it broke",
            "trace",
        )
        assert client.claim("jobs") is None
        with pytest.raises(NotFoundError):
            client.call("queue.get", queue="nope")


def test_sync_client_subscribe_across_a_restart(daemon: DaemonProcess) -> None:
    with Client(daemon.socket, reconnect_timeout=20) as client, Client(daemon.socket) as actor:
        actor.call("session.create", name="work")
        actor.call("queue.create", name="jobs", session="work")
        seen: list[str] = []
        got_event = threading.Event()
        restored = threading.Event()

        def watch() -> None:
            for event in client.subscribe(["task"]):
                seen.append(event["type"])
                if event["type"] == "connection.restored":
                    restored.set()
                if event["type"] == "task.enqueued":
                    got_event.set()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        # Poll until the subscription is live: enqueue only once an event can be seen.
        wait_until(
            lambda: client._async._topics is not None and client._async.connected,
            10.0,
            "the subscription to start",
        )
        client.ping()
        daemon.restart()
        assert restored.wait(20), seen
        with Client(daemon.socket) as actor2:
            actor2.enqueue("jobs", "run-bash", {"script": "true"})
        assert got_event.wait(20), seen
        assert seen[0] == "connection.lost"
