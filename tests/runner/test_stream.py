"""--stream prints a claimed task for a person or an agent, who completes it."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import make_queue, run_runner, start_runner, wait_for


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


def test_stream_hands_out_the_next_task_once_the_last_is_finished(
    rdaemon: DaemonProcess, client: Client, short_dir: Path
) -> None:
    queue = make_queue(client)
    first = client.enqueue(queue, "llm-fake", {"prompt": "first question"})
    second = client.enqueue(queue, "llm-fake", {"prompt": "second question"})
    out = short_dir / "stream.out"
    runner = start_runner(rdaemon, "--queue", queue, "--stream", "--wait", "1", out=out)
    try:
        wait_for(lambda: "first question" in out.read_text(), 10, "the first task")
        assert client.call("task.get", id=second["id"])["status"] == "queued"
        assert "second question" not in out.read_text()

        client.complete(first["id"], "done")

        wait_for(lambda: "second question" in out.read_text(), 10, "the second task")
        assert client.call("task.get", id=second["id"])["status"] == "running"
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(15) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
    # stopped while a task was handed out: it goes back to the queue
    assert client.call("task.get", id=second["id"])["status"] == "queued"
