"""Watching a task the runner runs: ``sparkq progress`` from inside its script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import sparkq_argv
from tests.runner.helpers import make_queue, run_runner, start_runner, wait_for
from tests.wire import Wire


def test_sparkq_progress_from_a_script_is_seen_in_the_task_and_as_an_event(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)
    script = (
        'test -n "$SPARKQ_URL" && test "$SPARKQ_ATTEMPT" = 1 && test "$SPARKQ_LEASE" = 1 || exit 9\n'
        'sparkq progress 40 "reading input" || exit 8\n'
        'sparkq progress "$SPARKQ_TASK_ID" 75 || exit 7\n'
    )
    task = client.enqueue(queue, "run-bash", {"script": script})
    with Wire(rdaemon.socket) as listener:
        listener.call("events.subscribe", topics=["task.progress"])
        proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0")
        assert proc.returncode == 0, proc.stderr
        event = listener.read()["params"]
    done = client.call("task.get", id=task["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"]["percent"] == 75
    assert done["progress"]["message"] == "reading input"  # kept: the second gave none
    assert event["type"] == "task.progress" and event["id"] == task["id"]
    assert event["progress"]["percent"] == 40


def test_the_runner_streams_output_while_the_script_runs_and_logs_follows_it(
    rdaemon: DaemonProcess, client: Client, short_dir: Path
) -> None:
    queue = make_queue(client)
    gate = short_dir / "go"
    script = (
        "echo first; echo oops >&2\n"
        "for i in $(seq 1 3000); do echo line $i; done\n"
        f"while [ ! -e {gate} ]; do sleep 0.02; done\n"
        "echo last\n"
    )
    task = client.enqueue(queue, "run-bash", {"script": script})
    runner = start_runner(rdaemon, "--queue", queue, "--once", "--wait", "5")
    follower = None
    try:

        def streamed() -> list[dict] | None:
            lines = client.call("task.logs", id=task["id"])["lines"]
            text = "".join(line["text"] for line in lines if line["stream"] == "stdout")
            return (
                lines if "line 3000\n" in text and any("oops" in x["text"] for x in lines) else None
            )

        lines = wait_for(streamed, what="the script's output before it ends")
        assert client.call("task.get", id=task["id"])["status"] == "running"
        assert len(lines) < 30, "3000 lines were coalesced into a few calls"
        assert [x["seq"] for x in lines] == list(range(1, len(lines) + 1))
        follower = subprocess.Popen(
            [*sparkq_argv(), "logs", task["friendly_id"], "-f"],
            env=rdaemon.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        gate.touch()
        out, err = follower.communicate(timeout=20)
        assert follower.returncode == 0, err
        assert out.startswith("first\nline 1\n") and out.endswith("line 3000\nlast\n")
        assert err == "oops\n"
        assert runner.wait(timeout=20) == 0
    finally:
        for proc in (runner, follower):
            if proc is not None and proc.poll() is None:
                proc.kill()
    done = client.call("task.get", id=task["id"])
    assert done["status"] == "succeeded" and done["stdout"].endswith("last\n")


def test_every_runner_says_hello_and_sparkq_workers_lists_it(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)

    def workers(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*sparkq_argv(), "workers", *extra],
            env=rdaemon.env(),
            capture_output=True,
            text=True,
            timeout=20,
        )

    assert workers().stdout.strip() == "no runners connected"
    runner = start_runner(
        rdaemon, "--queue", queue, "--worker", "w-hello", "-c", "2", "--wait", "1"
    )
    try:
        [me] = wait_for(lambda: client.call("worker.list")["workers"], what="the runner's hello")
        assert (me["name"], me["queues"], me["concurrency"]) == ("w-hello", [queue], 2)
        assert me["pid"] == runner.pid and me["host"]
        table = workers()
        assert table.returncode == 0
        assert "w-hello" in table.stdout and str(runner.pid) in table.stdout
        assert json.loads(workers("--json").stdout)["workers"][0]["name"] == "w-hello"
    finally:
        runner.terminate()
        runner.wait(timeout=20)
    wait_for(lambda: not client.call("worker.list")["workers"], what="the runner to leave")
