"""The outbox is on disk: a runner stopped while the daemon is away leaves its results in its
outbox file, and the next runner with the same worker name delivers them before claiming."""

from __future__ import annotations

import signal
from pathlib import Path

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import make_queue, run_runner, start_runner, wait_for, wait_status


def test_a_result_left_by_a_stopped_runner_is_delivered_by_the_next_one(
    rdaemon: DaemonProcess, short_dir: Path, outbox_dir: Path
) -> None:
    gate = short_dir / "gate"
    done = short_dir / "done"
    with Client(rdaemon.socket) as client:
        queue = make_queue(client)
        task = client.enqueue(
            queue,
            "run-bash",
            {"script": f"while [ ! -e {gate} ]; do sleep 0.05; done\necho result\ntouch {done}\n"},
            timeout=60,
        )
    log = short_dir / "first.log"
    first = start_runner(rdaemon, "--queue", queue, "--wait", "1", "--worker", "w-dur", log=log)
    try:
        with Client(rdaemon.socket) as client:
            wait_status(client, task["id"], ("running",))
        rdaemon.stop()
        gate.touch()  # the task finishes while no daemon runs
        wait_for(done.exists, 10, "the task to finish")
        wait_for(lambda: "kept until it is back" in log.read_text(), 10, "the report to wait")
        journal = outbox_dir / "w-dur.jsonl"
        assert "task.complete" in journal.read_text()

        first.send_signal(signal.SIGTERM)
        wait_for(lambda: "a second signal stops now" in log.read_text(), 10, "the stop to wait")
        first.send_signal(signal.SIGTERM)
        assert first.wait(15) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(5)
    assert "kept in" in log.read_text()
    assert "task.complete" in journal.read_text()

    rdaemon.start()
    with Client(rdaemon.socket) as client:
        assert client.call("task.get", id=task["id"])["status"] == "running"
        proc = run_runner(rdaemon, "--queue", queue, "--drain", "--worker", "w-dur", timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert "delivering 1 report(s) left in" in proc.stderr
        task = client.call("task.get", id=task["id"])
    assert task["status"] == "succeeded", proc.stderr
    assert task["stdout"] == "result\n"
    assert task["worker"] == "w-dur"
    assert not journal.exists()
