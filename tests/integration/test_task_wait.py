"""task.wait over the socket, on both engines: it returns when another connection ends the
task, at its timeout with the task as it is (a retrying task is not done), refuses a timeout
over 600 s, and ``AsyncClient.wait`` / ``Client.wait`` return the Task."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from sparkq_tui.client import AsyncClient, Client
from tests.daemon_process import DaemonProcess
from tests.wire import Wire

NO_SPREAD = {"type": "fixed", "delay": 30, "jitter": 0}


def _running_task(w: Wire, **options: Any) -> dict[str, Any]:
    w.call("session.create", name="s")
    w.call("queue.create", name="q", session="s")
    task = w.call("task.enqueue", queue="q", tool="run-bash", **options)
    assert w.call("task.claim", queue="q", worker="w")["task"]["id"] == task["id"]
    return task


def test_wait_returns_when_another_connection_completes(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w, Wire(daemon.socket) as waiter:
        task = _running_task(w)
        got: dict[str, Any] = {}

        def wait() -> None:
            got["reply"] = waiter.call("task.wait", id=task["friendly_id"], timeout=20)
            got["at"] = time.monotonic()

        thread = threading.Thread(target=wait)
        thread.start()
        # The waiter is parked in the daemon: the task is still running, so it must not return.
        thread.join(0.2)
        assert thread.is_alive()
        done_at = time.monotonic()
        w.call("task.complete", id=task["id"], worker="w", result={"n": 1})
        thread.join(10)
        assert got["reply"]["done"] is True
        assert got["reply"]["task"]["status"] == "succeeded"
        assert got["reply"]["task"]["result"] == {"n": 1}
        assert got["at"] - done_at < 2.0
        # An ended task answers at once.
        assert waiter.call("task.wait", id=task["id"])["done"] is True


def test_wait_times_out_with_the_task_as_it_is_a_retry_is_not_done_and_bad_input(
    daemon: DaemonProcess,
) -> None:
    with Wire(daemon.socket) as w:
        task = _running_task(w, max_attempts=2, backoff=NO_SPREAD)
        started = time.monotonic()
        reply = w.call("task.wait", id=task["id"], timeout=0.3)
        assert time.monotonic() - started >= 0.29
        assert (reply["done"], reply["task"]["status"]) == (False, "running")
        w.call("task.fail", id=task["id"], worker="w", error="boom")  # retried in 30 s
        reply = w.call("task.wait", id=task["id"], timeout=0.2)
        assert (reply["done"], reply["task"]["status"]) == (False, "scheduled")
        w.call("task.cancel", id=task["id"])
        reply = w.call("task.wait", id=task["id"], timeout=0)
        assert (reply["done"], reply["task"]["status"]) == (True, "cancelled")
        # Refused: a timeout over 600 s (naming it), a task that does not exist.
        error = w.error("task.wait", id=task["id"], timeout=601)
        assert error["code"] == -32602
        assert "timeout" in error["message"] and "601" in error["message"]
        assert w.error("task.wait", id="nope")["code"] == -32004


def test_clients_wait_return_the_task(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w, Client(daemon.socket) as client:
        task = _running_task(w)
        assert client.wait(task["id"], timeout=0.1)["status"] == "running"

        async def wait_async() -> dict[str, Any]:
            async with AsyncClient(daemon.socket) as c:
                return await c.wait(task["id"], timeout=20)

        fail = {"id": task["id"], "worker": "w", "error": "x"}
        ender = threading.Timer(0.2, w.call, ("task.fail",), fail)
        ender.start()
        ended = asyncio.run(wait_async())
        ender.join()
        assert (ended["status"], ended["error"]) == ("failed", "x")
        assert client.wait(task["id"])["status"] == "failed"
