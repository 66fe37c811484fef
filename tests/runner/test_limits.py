"""Timeouts stop the whole process group; heartbeats keep the task ours meanwhile; big
output is capped keeping its tail."""

from __future__ import annotations

import sys
import uuid

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    live_processes_with,
    make_queue,
    run_runner,
    start_runner,
    wait_for,
)


def test_timeout_kills_the_process_group_and_leaves_no_orphans(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)
    marker = f"sq-orphan-{uuid.uuid4().hex[:8]}"
    sleeper = f"'{sys.executable}' -c 'import time; time.sleep(300)' {marker}"
    script = (
        f"{sleeper} &\n"  # a plain child
        f"(trap '' TERM; exec {sleeper}) &\n"  # a child that ignores SIGTERM
        "echo started\nsleep 300\n"
    )
    task = client.enqueue(queue, "run-bash", {"script": script}, timeout=2)

    runner = start_runner(rdaemon, "--queue", queue, "--once", "--wait", "0", "--kill-grace", "1")
    both = wait_for(lambda: len(live_processes_with(marker)) == 2, 5, "both children to start")

    assert both
    assert runner.wait(15) == 1
    task = client.call("task.get", id=task["id"])
    assert task["status"] == "failed"
    assert task["error"] == "timed out after 2 s"
    assert task["stdout"] == "started\n"
    wait_for(lambda: not live_processes_with(marker), 5, f"processes {marker} to be gone")


def test_heartbeats_keep_a_task_past_its_timeout_from_the_sweeper(
    rdaemon: DaemonProcess, client: Client
) -> None:
    """The task shrugs off SIGTERM and lives 2.5x its timeout before SIGKILL; the 1 s
    sweeper would fail it as stale at 2x without the runner's heartbeats."""
    queue = make_queue(client)
    script = "trap 'echo got TERM' TERM\nfor i in $(seq 1 80); do sleep 0.05; echo tick $i; done\n"
    task = client.enqueue(queue, "run-bash", {"script": script}, timeout=1)

    proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0", "--kill-grace", "2.5")

    assert proc.returncode == 1, proc.stderr
    task = client.call("task.get", id=task["id"])
    assert task["status"] == "failed"
    assert task["error"] == "timed out after 1 s"  # the runner's verdict, not the sweeper's
    assert task["stale_warned_at"] is None
    assert task["heartbeat_at"] > task["claimed_at"]
    assert "got TERM" in task["stdout"]
    assert "tick 45" in task["stdout"]  # still running well past 2x its timeout


def test_large_output_is_capped_keeping_the_tail(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    script = (
        "import sys\n"
        "print('\\n'.join(f'line {i}' for i in range(30000)))\n"
        "sys.stderr.write('e' * 500000 + 'END')\n"
    )
    task = client.enqueue(queue, "run-python", {"script": script})

    proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0", "--max-output", "1000")

    assert proc.returncode == 0, proc.stderr
    task = client.call("task.get", id=task["id"])
    assert task["status"] == "succeeded"
    total = sum(len(f"line {i}\n") for i in range(30000))
    head, body = task["stdout"].split("\n", 1)
    assert head == (
        f"[sparkq: output capped: {total - 1000} of {total} bytes cut from the start; "
        "the last 1000 bytes follow]"
    )
    assert len(body) == 1000
    assert body.endswith("line 29998\nline 29999\n")
    assert task["stderr"].endswith("eeeEND")
    assert "500003 bytes" in task["stderr"]


def test_a_finished_task_does_not_wait_for_children_it_left_behind(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)
    marker = f"sq-left-{uuid.uuid4().hex[:8]}"
    script = f"'{sys.executable}' -c 'import time; time.sleep(300)' {marker} &\necho bye\n"
    task = client.enqueue(queue, "run-bash", {"script": script}, timeout=30)

    proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0")

    assert proc.returncode == 0, proc.stderr
    task = client.call("task.get", id=task["id"])
    assert task["status"] == "succeeded"
    assert task["stdout"] == "bye\n"
    assert task["result"]["duration_s"] < 5
    wait_for(lambda: not live_processes_with(marker), 5, f"processes {marker} to be gone")
