"""Time and failure over the socket, with the real clock: a waiting claimer served at
``run_at``, retries with attempts and reasons, the stale attempt, expiry, cancellation,
redrive, the timeline, and every bad value refused naming the member and the value."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.waiting import wait_until as wait_for
from tests.wire import Wire

FAST_SWEEP = {"queue_runner": {"auto_fail_interval_seconds": 0.2}}
NO_SPREAD = {"type": "fixed", "delay": 0.2, "jitter": 0}

pytestmark = pytest.mark.time_and_failure


def setup(w: Wire) -> None:
    w.call("session.create", name="s")
    w.call("queue.create", name="q", session="s")


def test_a_waiting_claimer_gets_a_delayed_task_at_its_run_at(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w, Wire(daemon.socket) as claimer:
        setup(w)
        got: dict[str, Any] = {}

        def wait() -> None:
            got["reply"] = claimer.call("task.claim", queue="q", worker="w", wait=10)
            got["at"] = time.time()

        waiting = threading.Thread(target=wait)
        waiting.start()
        task = w.call("task.enqueue", queue="q", tool="run-bash", delay=0.3)
        assert task["status"] == "scheduled"
        waiting.join(10)
        run_at = datetime.fromisoformat(task["run_at"]).timestamp()
        assert got["reply"]["task"]["id"] == task["id"]
        assert run_at - 0.01 <= got["at"] <= run_at + 0.2, got["at"] - run_at
        counts = w.call("queue.get", queue="q")["counts"]
        assert (counts["scheduled"], counts["running"]) == (0, 1)


def test_an_earlier_task_rearms_the_timer(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        setup(w)
        late = w.call("task.enqueue", queue="q", tool="run-bash", delay=30)
        early = w.call("task.enqueue", queue="q", tool="run-bash", delay=0.2)
        claimed = w.call("task.claim", queue="q", worker="w", wait=5)["task"]
        assert claimed["id"] == early["id"]
        assert w.call("task.get", id=late["id"])["status"] == "scheduled"


def test_retries_with_attempts_and_reasons_then_redrive(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w, Wire(daemon.socket) as listener:
        setup(w)
        listener.call("events.subscribe", topics=["task"])
        task = w.call("task.enqueue", queue="q", tool="run-bash", max_attempts=2, backoff=NO_SPREAD)
        first = w.call("task.claim", queue="q", worker="w")["task"]
        retried = w.call("task.fail", id=task["id"], error="exit 1", attempt=first["attempts"])
        assert (retried["status"], retried["error"]) == ("scheduled", "exit 1")
        event = listener.read()["params"]
        while event["type"] != "task.retrying":
            event = listener.read()["params"]
        assert (event["attempt"], event["reason"], event["run_at"]) == (
            1,
            "error",
            retried["run_at"],
        )
        second = w.call("task.claim", queue="q", worker="w", wait=5)["task"]
        assert second["attempts"] == 2
        late = w.error("task.complete", id=task["id"], attempt=1)
        assert late["code"] == -32009 and "attempt 2, not attempt 1" in late["message"]
        dead = w.call("task.fail", id=task["id"], error="slow", reason="timeout", attempt=2)
        assert (dead["status"], dead["reason"]) == ("failed", "timeout")
        assert w.call("queue.requeue_failed", queue="q", reason="error") == {"requeued": 0}
        assert w.call("queue.requeue_failed", queue="q") == {"requeued": 1}
        back = w.call("task.get", id=task["id"])
        assert (back["status"], back["attempts"], back["reason"]) == ("queued", 0, None)
        timeline = w.call("task.events", id=task["friendly_id"])["events"]
        assert [e["type"] for e in timeline] == [
            "enqueued",
            "claimed",
            "retrying",
            "due",
            "claimed",
            "failed",
            "requeued",
        ]


def test_stale_retries_then_fails_with_reason_stale(make_daemon) -> None:
    d: DaemonProcess = make_daemon(FAST_SWEEP)
    with Wire(d.socket) as w:
        setup(w)
        task = w.call(
            "task.enqueue",
            queue="q",
            tool="run-bash",
            timeout=0.3,
            max_attempts=2,
            backoff=NO_SPREAD,
        )
        w.call("task.claim", queue="q", worker="w")
        wait_for(lambda: w.call("task.get", id=task["id"])["status"] == "scheduled")
        assert w.call("task.claim", queue="q", worker="w", wait=5)["task"]["attempts"] == 2
        dead = wait_for(
            lambda: (t := w.call("task.get", id=task["id"]))["status"] == "failed" and t
        )
        assert (dead["reason"], dead["error"]) == ("stale", "Task exceeded timeout")


def test_an_expired_task_is_failed_by_the_sweeper(make_daemon) -> None:
    d: DaemonProcess = make_daemon(FAST_SWEEP)
    with Wire(d.socket) as w:
        setup(w)
        task = w.call("task.enqueue", queue="q", tool="run-bash", ttl=0.2)
        dead = wait_for(
            lambda: (t := w.call("task.get", id=task["id"]))["status"] == "failed" and t
        )
        assert dead["reason"] == "expired"
        assert w.call("task.claim", queue="q", worker="w")["task"] is None


def test_cancel_and_reschedule(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w, Wire(daemon.socket) as listener:
        setup(w)
        listener.call("events.subscribe", topics=["task"])
        task = w.call("task.enqueue", queue="q", tool="run-bash")
        moved = w.call("task.reschedule", id=task["id"], delay=600)
        assert moved["status"] == "scheduled"
        assert w.call("task.claim", queue="q", worker="w")["task"] is None
        w.call("task.reschedule", id=task["id"], run_at=datetime.now(UTC).isoformat())
        w.call("task.claim", queue="q", worker="runner-7")
        cancelled = w.call("task.cancel", id=task["id"], message="not needed")
        assert (cancelled["status"], cancelled["reason"], cancelled["error"]) == (
            "cancelled",
            "cancelled",
            "not needed",
        )
        event = listener.read()["params"]
        while event["type"] != "task.cancelled":
            event = listener.read()["params"]
        assert event["worker"] == "runner-7"
        assert w.error("task.complete", id=task["id"], worker="runner-7")["code"] == -32009
        again = w.error("task.cancel", id=task["id"])
        assert again["code"] == -32009 and "is cancelled" in again["message"]
        counts = w.call("queue.get", queue="q")["counts"]
        assert counts["cancelled"] == 1 and w.call("system.stats")["tasks"]["cancelled"] == 1


def test_task_class_retry_defaults_over_the_protocol(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        setup(w)
        cls = w.call(
            "task_class.upsert",
            name="FLAKY",
            timeout=30,
            max_attempts=3,
            backoff={"type": "fixed", "delay": 5},
        )
        assert cls["max_attempts"] == 3 and cls["backoff"]["delay"] == 5
        w.call("tool.upsert", name="flaky-tool", task_class="FLAKY")
        task = w.call("task.enqueue", queue="q", tool="flaky-tool")
        assert (task["max_attempts"], task["backoff"]["type"]) == (3, "fixed")
        error = w.error(
            "task_class.upsert", name="BAD", timeout=1, backoff={"type": "x", "delay": 1}
        )
        assert "backoff.type" in error["message"] and "'x'" in error["message"]


def _in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


@pytest.mark.parametrize(
    ("members", "names"),
    [
        ({"delay": 5, "run_at": "2027-01-01T00:00:00+00:00"}, ["delay", "run_at", "not both"]),
        ({"delay": -1}, ["delay", "-1"]),
        ({"max_attempts": 0}, ["max_attempts", "0"]),
        ({"max_attempts": 101}, ["max_attempts", "101"]),
        ({"backoff": {"type": "fixed", "delay": 0}}, ["backoff.delay", "0"]),
        ({"backoff": {"type": "linear", "delay": 1}}, ["backoff.type", "'linear'"]),
        ({"run_at": "next tuesday"}, ["run_at", "'next tuesday'"]),
        ({"run_at": "2027-01-01T09:00"}, ["run_at", "offset"]),
        ({"run_at": "FAR"}, ["run_at", "more than a year away"]),
        ({"ttl": 0}, ["ttl", "0"]),
        ({"ttl": -5}, ["ttl", "-5"]),
    ],
)
def test_bad_time_and_retry_members_are_refused(
    daemon: DaemonProcess, members: dict[str, Any], names: list[str]
) -> None:
    if members.get("run_at") == "FAR":
        members = {"run_at": _in(400 * 86400)}
    with Wire(daemon.socket) as w:
        setup(w)
        for method, params in (
            ("task.enqueue", {"queue": "q", "tool": "run-bash", **members}),
            ("task.enqueue_batch", {"queue": "q", "tasks": [{"tool": "run-bash", **members}]}),
        ):
            error = w.error(method, **params)
            assert error["code"] == -32602, error
            for name in names:
                assert name in error["message"], error["message"]
        assert w.call("queue.get", queue="q")["counts"]["queued"] == 0


def test_task_class_retry_defaults_from_sparkq_yml(make_daemon) -> None:
    config = {
        "task_classes": {"FLAKY": {"timeout": 30, "max_attempts": 3, "backoff": NO_SPREAD}},
        "tools": {"flaky-tool": {"task_class": "FLAKY"}},
    }
    d: DaemonProcess = make_daemon(config)
    with Wire(d.socket) as w:
        setup(w)
        task = w.call("task.enqueue", queue="q", tool="flaky-tool")
        assert (task["max_attempts"], task["backoff"]["delay"]) == (3, 0.2)
        [cls] = [c for c in w.call("task_class.list")["task_classes"] if c["name"] == "FLAKY"]
        assert cls["max_attempts"] == 3


def test_task_cancelled_can_be_subscribed_to_alone(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w, Wire(daemon.socket) as listener:
        setup(w)
        subscribed = listener.call("events.subscribe", topics=["task.cancelled"])
        assert subscribed == {"subscribed": ["task.cancelled"]}
        task = w.call("task.enqueue", queue="q", tool="run-bash")
        w.call("task.claim", queue="q", worker="w")
        w.call("task.cancel", id=task["id"])
        event = listener.read()["params"]  # the first event it hears: no enqueued, no claimed
        assert (event["type"], event["id"], event["worker"]) == ("task.cancelled", task["id"], "w")
        error = w.error("events.subscribe", topics=["task.enqueued"])
        assert error["code"] == -32602 and "'task.enqueued'" in error["message"]
