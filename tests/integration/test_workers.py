"""worker.hello / worker.list over the socket: a worker joins with its connection and leaves
when it closes, with worker.joined|left events."""

from __future__ import annotations

from tests.daemon_process import DaemonProcess
from tests.waiting import wait_until
from tests.wire import Wire


def _event(w: Wire) -> dict:
    while True:
        message = w.read()
        if message.get("method") == "event":
            return message["params"]


def test_a_worker_joins_with_its_connection_and_leaves_when_it_closes(
    daemon: DaemonProcess,
) -> None:
    with Wire(daemon.socket) as viewer:
        viewer.call("events.subscribe", topics=["worker"])
        assert viewer.call("worker.list") == {"workers": []}
        with Wire(daemon.socket) as runner:
            runner.call("session.create", name="s")
            runner.call("queue.create", name="q", session="s")
            task = runner.call("task.enqueue", queue="q", tool="run-bash")
            me = runner.call(
                "worker.hello", name="r1", queues=["q"], concurrency=3, host="box", pid=42
            )
            runner.call("task.claim", queue="q", worker="r1")
            joined = _event(viewer)
            [listed] = viewer.call("worker.list")["workers"]
            error = runner.error("worker.hello", name="r1", concurrency=0)
            assert error["code"] == -32602 and "concurrency" in error["message"]
        left = _event(viewer)
        assert wait_until(
            lambda: viewer.call("worker.list") == {"workers": []}, 5, "the worker to leave"
        )
    assert (joined["type"], joined["topic"], joined["name"]) == ("worker.joined", "worker", "r1")
    assert (left["type"], left["id"]) == ("worker.left", me["id"])
    assert (listed["name"], listed["host"], listed["pid"]) == ("r1", "box", 42)
    assert (listed["queues"], listed["concurrency"]) == (["q"], 3)
    assert listed["running"] == [task["id"]]
    assert listed["connected_at"] and listed["last_seen_at"]
