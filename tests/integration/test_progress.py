"""task.progress over the socket: kept on the task, announced as events (throttled), its
bad input and refusals."""

from __future__ import annotations

from tests.daemon_process import DaemonProcess
from tests.wire import Wire


def _events(w: Wire, n: int) -> list[dict]:
    out = []
    while len(out) < n:
        message = w.read()
        if message.get("method") == "event":
            out.append(message["params"])
    return out


def test_progress_is_seen_in_the_task_and_as_throttled_events(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as listener, Wire(daemon.socket) as actor:
        actor.call("session.create", name="s")
        actor.call("queue.create", name="q", session="s")
        task = actor.call("task.enqueue", queue="q", tool="run-bash")
        actor.call("task.claim", queue="q", worker="w")
        listener.call("events.subscribe", topics=["task.progress"])
        got = actor.call("task.progress", id=task["id"], percent=10, message="start", worker="w")
        assert got["progress"]["percent"] == 10 and got["progress"]["message"] == "start"
        for n in range(11, 61):  # fifty quick reports: not fifty events
            actor.call("task.progress", id=task["id"], percent=n, attempt=1)
        assert actor.call("task.get", id=task["id"])["progress"]["percent"] == 60
        actor.call("task.progress", id=task["id"], percent=100, message="done")
        progress = _events(listener, 1)  # the event type is a topic of its own
        while progress[-1]["progress"]["percent"] != 100:
            progress += _events(listener, 1)
    assert {e["type"] for e in progress} == {"task.progress"}
    assert progress[0]["progress"] == {**got["progress"]}
    assert progress[-1]["progress"]["percent"] == 100  # the last always is announced
    assert 2 <= len(progress) < 20, [e["progress"]["percent"] for e in progress]
    assert all(e["id"] == task["id"] and e["worker"] == "w" for e in progress)


def test_progress_bad_input_and_refusals(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash")
    error = wire.error("task.progress", id=task["id"], percent=50)
    assert error["code"] == -32009 and "queued" in error["message"]
    wire.call("task.claim", queue=queue, worker="a")
    for bad in (-1, 100.5):
        error = wire.error("task.progress", id=task["id"], percent=bad)
        assert error["code"] == -32602 and "percent" in error["message"]
        assert str(bad) in error["message"]
    error = wire.error("task.progress", id=task["id"], message="x" * 1001)
    assert error["code"] == -32602 and "message" in error["message"] and "1001" in error["message"]
    error = wire.error("task.progress", id=task["id"], percent=5, worker="b")
    assert error["code"] == -32009 and "'a'" in error["message"]
    error = wire.error("task.progress", id=task["id"], percent=5, attempt=2)
    assert error["code"] == -32009 and "attempt" in error["message"]
