"""SIGTERM: no new claims, running tasks get a grace period, the rest is requeued, exit 0."""

from __future__ import annotations

import signal
import sys
import uuid

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    live_processes_with,
    make_queue,
    start_runner,
    wait_for,
    wait_status,
)


def test_graceful_stop_finishes_short_tasks_and_requeues_long_ones(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)
    marker = f"sq-long-{uuid.uuid4().hex[:8]}"
    long = client.enqueue(
        queue,
        "run-bash",
        {"script": f"exec '{sys.executable}' -c 'import time; time.sleep(60)' {marker}"},
        priority=2,
    )
    short = client.enqueue(queue, "run-bash", {"script": "sleep 1; echo finished"}, priority=1)
    runner = start_runner(
        rdaemon,
        "--queue",
        queue,
        "--concurrency",
        "2",
        "--grace",
        "2.5",
        "--kill-grace",
        "1",
        "--wait",
        "1",
    )
    wait_status(client, long["id"], ("running",))
    wait_status(client, short["id"], ("running",))
    wait_for(lambda: live_processes_with(marker), 5, "the long task's process")

    runner.send_signal(signal.SIGTERM)
    late = client.enqueue(queue, "run-bash", {"script": "echo late"})

    assert runner.wait(20) == 0
    stderr = runner.stderr.read()
    assert "SIGTERM: no new claims" in stderr
    short = client.call("task.get", id=short["id"])
    assert short["status"] == "succeeded", stderr
    assert short["stdout"] == "finished\n"
    long = client.call("task.get", id=long["id"])
    assert long["status"] == "queued", stderr
    assert long["worker"] is None
    assert client.call("task.get", id=late["id"])["status"] == "queued"
    wait_for(lambda: not live_processes_with(marker), 5, "the long task's process to be gone")
