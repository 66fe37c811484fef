"""The sweeper (stale at 1×, failed at 2× the timeout) and purge, with short intervals."""

from __future__ import annotations

import time

from tests.daemon_process import DaemonProcess
from tests.integration.statuses import ZERO_COUNTS
from tests.waiting import stays_true, wait_until
from tests.wire import Wire

FAST = {"queue_runner": {"auto_fail_interval_seconds": 0.2}}


def _setup(w: Wire) -> None:
    w.call("session.create", name="s")
    w.call("queue.create", name="q", session="s")


def test_silent_task_is_warned_then_failed(make_daemon) -> None:
    d: DaemonProcess = make_daemon(FAST)
    with Wire(d.socket) as w, Wire(d.socket) as listener:
        _setup(w)
        listener.call("events.subscribe", topics=["task"])
        task = w.call("task.enqueue", queue="q", tool="run-bash", timeout=0.6)
        w.call("task.claim", queue="q", worker="w")
        stale = wait_until(lambda: w.call("task.get", id=task["id"])["stale_warned_at"])
        assert w.call("task.get", id=task["id"])["status"] == "running"
        assert stale
        failed = wait_until(
            lambda: (t := w.call("task.get", id=task["id"]))["status"] == "failed" and t
        )
        assert failed["error"] == "Task exceeded timeout"
        counts = w.call("queue.get", queue="q")["counts"]
        assert counts == {**ZERO_COUNTS, "queued": 0, "running": 0, "succeeded": 0, "failed": 1}
        types = []
        while "task.failed" not in types:
            message = listener.read()
            if message.get("method") == "event":
                types.append(message["params"]["type"])
        assert types.index("task.stale") < types.index("task.failed")


def test_heartbeats_keep_a_task_alive(make_daemon) -> None:
    d: DaemonProcess = make_daemon(FAST)
    with Wire(d.socket) as w:
        _setup(w)
        task = w.call("task.enqueue", queue="q", tool="run-bash", timeout=0.5)
        w.call("task.claim", queue="q")
        deadline = time.monotonic() + 2.5  # five timeouts
        while time.monotonic() < deadline:
            w.call("task.heartbeat", id=task["id"])
            time.sleep(0.15)
        current = w.call("task.get", id=task["id"])
        assert current["status"] == "running"
        assert current["stale_warned_at"] is None
        done = w.call("task.complete", id=task["id"])
        assert done["status"] == "succeeded"


def test_sweeper_never_overwrites_a_completed_task(make_daemon) -> None:
    d: DaemonProcess = make_daemon(FAST)
    with Wire(d.socket) as w:
        _setup(w)
        task = w.call("task.enqueue", queue="q", tool="run-bash", timeout=0.3)
        w.call("task.claim", queue="q")
        w.call("task.complete", id=task["id"], result=1)
        stays_true(
            lambda: w.call("task.get", id=task["id"])["status"] == "succeeded",
            1.0,
            "the completed task staying succeeded past its timeout",
        )


def test_purge_run_deletes_finished_tasks_only(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        _setup(w)
        done = w.call("task.enqueue", queue="q", tool="run-bash")
        waiting = w.call("task.enqueue", queue="q", tool="run-bash")
        w.call("task.claim", id=done["id"])
        w.call("task.complete", id=done["id"])
        assert w.call("purge.run", older_than_days=1) == {"deleted": 0}
        assert w.call("purge.run", older_than_days=0) == {"deleted": 1}
        assert w.error("task.get", id=done["id"])["code"] == -32004
        assert w.call("task.get", id=waiting["id"])["status"] == "queued"
        counts = w.call("queue.get", queue="q")["counts"]
        assert counts == {**ZERO_COUNTS, "queued": 1, "running": 0, "succeeded": 0, "failed": 0}
        assert w.error("purge.run", older_than_days=-1)["code"] == -32602
        assert w.error("purge.run")["code"] == -32602


def test_purge_timer_runs_on_its_interval(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"purge": {"older_than_days": 0, "interval_seconds": 0.3}})
    with Wire(d.socket) as w:
        _setup(w)
        task = w.call("task.enqueue", queue="q", tool="run-bash")
        w.call("task.claim", queue="q")
        w.call("task.fail", id=task["id"], error="x")
        wait_until(lambda: w.request("task.get", {"id": task["id"]}).get("error"))


def test_purge_of_many_tasks_goes_in_chunks(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        _setup(w)
        for _ in range(5):
            w.call("task.enqueue_batch", queue="q", tasks=[{"tool": "run-bash"}] * 1000)
        for _ in range(4500):
            task = w.call("task.claim", queue="q")["task"]
            w.call("task.complete", id=task["id"])
        assert w.call("purge.run", older_than_days=0) == {"deleted": 4500}
        counts = w.call("queue.get", queue="q")["counts"]
        assert counts == {**ZERO_COUNTS, "queued": 500, "running": 0, "succeeded": 0, "failed": 0}
