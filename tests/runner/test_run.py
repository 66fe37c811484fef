"""A runner runs run-bash and run-python tasks and reports exit codes and output."""

from __future__ import annotations

import subprocess
import time

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    make_queue,
    run_runner,
    runner_argv,
    start_runner,
    wait_status,
)


def test_success_and_nonzero_exit_are_reported(
    rdaemon: DaemonProcess, client: Client, short_dir
) -> None:
    queue = make_queue(client)
    ok = client.enqueue(
        queue,
        "run-bash",
        {
            "script": "echo out; echo err >&2; echo $GREETING; pwd",
            "env": {"GREETING": "hi"},
            "cwd": str(short_dir),
        },
    )
    bad = client.enqueue(queue, "run-python", {"script": "import sys\nprint('x')\nsys.exit(3)"})

    proc = run_runner(rdaemon, "--queue", queue, "--drain", "--worker", "w1")

    assert proc.returncode == 1, proc.stderr  # --drain exits 1 when a task failed
    ok = client.call("task.get", id=ok["id"])
    assert ok["status"] == "succeeded"
    assert ok["stdout"] == f"out\nhi\n{short_dir}\n"
    assert ok["stderr"] == "err\n"
    assert ok["result"]["exit_code"] == 0
    assert ok["worker"] == "w1"
    bad = client.call("task.get", id=bad["id"])
    assert bad["status"] == "failed"
    assert bad["error"] == "exit code 3"
    assert bad["stdout"] == "x\n"
    assert f"succeeded {ok['friendly_id']}" in proc.stderr


def test_a_bad_payload_fails_the_task_with_a_reason(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    task = client.enqueue(queue, "run-bash", {"scrpt": "echo typo"})

    proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0")

    assert proc.returncode == 1
    task = client.call("task.get", id=task["id"])
    assert task["status"] == "failed"
    assert "needs a payload with a `script` string" in task["error"]


def test_once_with_nothing_queued_exits_0(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    started = time.monotonic()
    proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert 0.5 <= time.monotonic() - started < 10


def test_an_unknown_queue_is_a_clear_error(rdaemon: DaemonProcess) -> None:
    proc = run_runner(rdaemon, "--queue", "nope", "--once")
    assert proc.returncode == 1  # refused by the daemon, as the CLI's exit codes say
    assert "nope" in proc.stderr


def test_no_daemon_exits_3(rdaemon: DaemonProcess, short_dir) -> None:
    env = {**rdaemon.env(), "SPARKQ_SOCKET": str(short_dir / "none.sock")}
    argv = runner_argv("--queue", "q", "--once")
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "none.sock" in proc.stderr


def test_drain_on_a_paused_queue_says_it_is_paused(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client, "held")
    task = client.enqueue(queue, "run-bash", {"script": "true"})
    client.call("queue.pause", queue=queue)

    proc = run_runner(rdaemon, "--queue", queue, "--drain")

    assert proc.returncode == 0, proc.stderr
    warning = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert warning and "queue held is paused" in warning[0], proc.stderr
    assert "sparkq queue resume held" in warning[0]
    assert client.call("task.get", id=task["id"])["status"] == "queued"


def test_several_queues_are_served_as_work_arrives(rdaemon: DaemonProcess, client: Client) -> None:
    first = make_queue(client, "first")
    second = make_queue(client, "second")
    runner = start_runner(rdaemon, "--queue", first, "--queue", second, "--wait", "1")
    try:
        # Enqueued after the runner is waiting: it must wake on the event, not on a timer.
        late = client.enqueue(second, "run-bash", {"script": "echo second"})
        task = wait_status(client, late["id"], ("succeeded",), timeout=10)
        assert task["stdout"] == "second\n"
        early = client.enqueue(first, "run-bash", {"script": "echo first"})
        assert wait_status(client, early["id"], ("succeeded",))["stdout"] == "first\n"
    finally:
        runner.terminate()
        assert runner.wait(15) == 0


def test_tools_flag_only_claims_the_listed_tools(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    python = client.enqueue(queue, "run-python", {"script": "print(1)"}, priority=5)
    bash = client.enqueue(queue, "run-bash", {"script": "echo 2"})

    proc = run_runner(rdaemon, "--queue", queue, "--drain", "--tools", "run-bash")

    assert proc.returncode == 0, proc.stderr
    assert client.call("task.get", id=bash["id"])["status"] == "succeeded"
    assert client.call("task.get", id=python["id"])["status"] == "queued"
