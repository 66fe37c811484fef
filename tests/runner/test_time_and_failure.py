"""The runner and time and failure: a cancelled running task's process group is stopped (TERM,
then KILL) and nothing more is reported; a timeout fails the attempt with reason "timeout"
and the task is retried; every report names its attempt."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from sparkq_tui.client import Client
from sparkq_tui.errors import ConflictError
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    killed_at_exit,
    live_processes_with,
    make_queue,
    start_runner,
    wait_for,
    wait_status,
)

NO_SPREAD = {"type": "fixed", "delay": 0.2, "jitter": 0}


def test_cancel_of_a_running_task_kills_its_process_group_and_reports_nothing(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)
    marker = f"sq-cancel-{uuid.uuid4().hex[:8]}"
    # A child that ignores SIGTERM: only the KILL after the grace stops it.
    child = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    script = f"'{sys.executable}' -c '{child}' {marker} &\nwait\n"
    task = client.enqueue(queue, "run-bash", {"script": script})
    with killed_at_exit(
        start_runner(rdaemon, "--queue", queue, "--wait", "1", "--kill-grace", "30")
    ) as runner:
        running = wait_status(client, task["id"], ("running",))
        wait_for(lambda: live_processes_with(marker), 5, "the task's process")
        cancelled = client.call("task.cancel", id=task["id"], message="stop it")
        assert cancelled["status"] == "cancelled"
        # TERM is ignored by the child, so it is gone only after the 2 s KILL (not --kill-grace 30)
        wait_for(lambda: not live_processes_with(marker), 6, "the process group to be killed")
        with pytest.raises(ConflictError, match="is cancelled"):
            client.complete(task["id"], worker=running["worker"], attempt=running["attempts"])
        after = client.enqueue(queue, "run-bash", {"script": "echo next"})
        wait_status(client, after["id"], ("succeeded",))
        final = client.call("task.get", id=task["id"])
        assert (final["status"], final["reason"], final["error"]) == (
            "cancelled",
            "cancelled",
            "stop it",
        )
        types = [e["type"] for e in client.call("task.events", id=task["id"])["events"]]
        assert types == ["enqueued", "claimed", "cancelled"]  # the runner reported nothing
        runner.terminate()
        assert runner.wait(20) == 0
        assert "was cancelled: stopping it" in runner.stderr.read()


def test_a_timeout_is_an_attempt_retried_with_reason_timeout(
    rdaemon: DaemonProcess, client: Client, tmp_path: Path
) -> None:
    queue = make_queue(client)
    flag = tmp_path / "first-attempt"
    script = f"if [ -e {flag} ]; then echo second; else touch {flag}; sleep 30; fi"
    task = client.enqueue(
        queue, "run-bash", {"script": script}, timeout=1, max_attempts=2, backoff=NO_SPREAD
    )
    with killed_at_exit(
        start_runner(rdaemon, "--queue", queue, "--wait", "1", "--kill-grace", "1")
    ) as runner:
        done = wait_status(client, task["id"], ("succeeded", "failed"), timeout=30)
        assert done["status"] == "succeeded" and done["stdout"] == "second\n"
        assert done["attempts"] == 2
        timeline = client.call("task.events", id=task["id"])["events"]
        retrying = [e for e in timeline if e["type"] == "retrying"]
        assert len(retrying) == 1
        assert retrying[0]["attempt"] == 1 and retrying[0]["detail"]["reason"] == "timeout"
        assert "timed out after 1 s" in retrying[0]["detail"]["error"]
        assert [e.get("attempt") for e in timeline if e["type"] == "succeeded"] == [2]
        runner.terminate()
        runner.wait(20)


def test_a_final_timeout_fails_with_reason_timeout(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    task = client.enqueue(queue, "run-bash", {"script": "sleep 30"}, timeout=0.5)
    with killed_at_exit(
        start_runner(rdaemon, "--queue", queue, "--wait", "1", "--kill-grace", "1")
    ) as runner:
        dead = wait_status(client, task["id"], ("failed",), timeout=20)
        assert (dead["reason"], dead["attempts"]) == ("timeout", 1)
        runner.terminate()
        runner.wait(20)


def test_reports_carry_the_claims_attempt_and_lease() -> None:
    from sparkq_tui.runner.holding import fenced

    assert fenced({"id": "t", "worker": "w"}, {"attempts": 3, "lease": 5}) == {
        "id": "t",
        "worker": "w",
        "attempt": 3,
        "lease": 5,
    }
    assert fenced({"id": "t"}, {"attempts": 1}) == {"id": "t", "attempt": 1}  # an older daemon
    assert fenced({"id": "t"}, {}) == {"id": "t"}  # a daemon that does not count attempts


def test_a_runner_on_several_queues_wakes_when_a_delayed_task_is_due(
    rdaemon: DaemonProcess, client: Client
) -> None:
    first, second = make_queue(client, "one"), make_queue(client, "two")
    with killed_at_exit(
        start_runner(rdaemon, "--queue", first, "--queue", second, "--wait", "30")
    ) as runner:
        warm = client.enqueue(first, "run-bash", {"script": "true"})
        wait_status(client, warm["id"], ("succeeded",))  # the runner is up, waiting for work
        delayed = client.enqueue(second, "run-bash", {"script": "echo due"}, delay=0.5)
        done = wait_status(client, delayed["id"], ("succeeded",), timeout=10)  # not after 30 s
        assert done["stdout"] == "due\n"
        runner.terminate()
        runner.wait(20)
