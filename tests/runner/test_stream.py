"""--stream prints a claimed task for a person or an agent, who completes it."""

from __future__ import annotations

import json

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import make_queue, run_runner


def test_stream_once_prints_the_task_and_leaves_it_running(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client, instructions="Review the diff.")
    task = client.enqueue(queue, "llm-fake", {"prompt": "Is this safe?"})

    proc = run_runner(rdaemon, "--queue", queue, "--stream", "--once", "--worker", "agent")

    assert proc.returncode == 0, proc.stderr
    label = task["friendly_id"]
    assert f"=== {label} ({task['id']}) · queue {queue} · tool llm-fake" in proc.stdout
    assert "--- instructions ---\nReview the diff.\n--- prompt ---\nIs this safe?\n" in proc.stdout
    assert f"sparkq complete {label}" in proc.stdout
    held = client.call("task.get", id=task["id"])
    assert held["status"] == "running"
    assert held["worker"] == "agent"
    assert client.complete(task["id"], {"answer": "yes"})["status"] == "succeeded"


def test_stream_json_gives_one_object_per_task(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    task = client.enqueue(queue, "run-bash", {"script": "echo hi"})

    proc = run_runner(rdaemon, "--queue", queue, "--stream", "--once", "--json")

    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["task"]["id"] == task["id"]
    assert record["task"]["payload"] == {"script": "echo hi"}
    assert record["prompt"] is None
