"""The daemon goes away mid-task: the runner keeps the result and reports it once it is back."""

from __future__ import annotations

from pathlib import Path

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    enqueue_gated,
    finish_while_daemon_away,
    make_queue,
    start_runner,
    wait_status,
)


def test_results_of_tasks_finished_while_the_daemon_was_away_are_reported(
    rdaemon: DaemonProcess, short_dir: Path
) -> None:
    with Client(rdaemon.socket) as client:
        queue = make_queue(client)
        task, gate, done = enqueue_gated(client, queue, short_dir)
    log = short_dir / "runner.log"
    runner = start_runner(rdaemon, "--queue", queue, "--wait", "1", log=log)
    try:
        finish_while_daemon_away(rdaemon, task, gate, done, log)
        rdaemon.start()

        with Client(rdaemon.socket) as client:
            task = wait_status(client, task["id"], ("succeeded", "failed"), timeout=20)
            assert task["status"] == "succeeded"
            assert task["stdout"] == "result\n"
            # and the runner carries on claiming
            more = client.enqueue(queue, "run-bash", {"script": "echo again"})
            assert wait_status(client, more["id"], ("succeeded",), timeout=15)["stdout"] == (
                "again\n"
            )
    finally:
        runner.terminate()
        assert runner.wait(15) == 0
    assert "daemon is back: delivered task.complete" in log.read_text()
