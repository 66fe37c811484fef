"""The daemon goes away mid-task: the runner keeps the result and reports it once it is back."""

from __future__ import annotations

from pathlib import Path

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import make_queue, start_runner, wait_for, wait_status


def test_results_of_tasks_finished_while_the_daemon_was_away_are_reported(
    rdaemon: DaemonProcess, short_dir: Path
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
    log = short_dir / "runner.log"
    runner = start_runner(rdaemon, "--queue", queue, "--wait", "1", log=log)
    try:
        with Client(rdaemon.socket) as client:
            wait_status(client, task["id"], ("running",))

        rdaemon.stop()
        gate.touch()  # the task finishes while no daemon runs
        wait_for(done.exists, 10, "the task to finish")
        # Longer than the client's own reconnect wait: the result must go to the outbox.
        wait_for(lambda: "kept until it is back" in log.read_text(), 10, "the report to wait")
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
