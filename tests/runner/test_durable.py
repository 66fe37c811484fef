"""The outbox is on disk: a runner stopped while the daemon is away leaves its results in its
outbox file, and the next runner with the same worker name delivers them before claiming."""

from __future__ import annotations

from pathlib import Path

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    enqueue_gated,
    finish_while_daemon_away,
    killed_at_exit,
    make_queue,
    run_runner,
    start_runner,
    stop_keeping_reports,
)


def test_a_result_left_by_a_stopped_runner_is_delivered_by_the_next_one(
    rdaemon: DaemonProcess, short_dir: Path, outbox_dir: Path
) -> None:
    with Client(rdaemon.socket) as client:
        queue = make_queue(client)
        task, gate, done = enqueue_gated(client, queue, short_dir)
    log = short_dir / "first.log"
    started = start_runner(rdaemon, "--queue", queue, "--wait", "1", "--worker", "w-dur", log=log)
    with killed_at_exit(started) as first:
        finish_while_daemon_away(rdaemon, task, gate, done, log)
        journal = outbox_dir / "w-dur.jsonl"
        assert "task.complete" in journal.read_text()
        stop_keeping_reports(first, log)
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
