"""A task that changes while the daemon is away is not the runner's any more: when the
runner reconnects it stops the task's process and reports nothing (one task never runs
twice)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import (
    live_processes_with,
    make_queue,
    start_runner,
    wait_for,
    wait_status,
)

WORKER = "w-recheck"


def _fail_it(client: Client, task_id: str) -> str:
    client.call("task.fail", id=task_id, error="given up by hand", worker=WORKER)
    return "failed"


def _claim_it_again(client: Client, task_id: str) -> str:
    # Requeued, then claimed again under the same worker name: a new claim, not this run's.
    client.call("task.requeue", id=task_id)
    client.call("task.claim", id=task_id, worker=WORKER)
    return "running under another claim"


@pytest.mark.parametrize("change", [_fail_it, _claim_it_again], ids=["failed", "claimed-again"])
def test_a_task_changed_while_the_daemon_was_away_is_stopped_and_not_reported(
    rdaemon: DaemonProcess, short_dir: Path, change
) -> None:
    # The runner reaches the daemon through a link the test can take away, so the task can be
    # changed after the daemon restarts but before the runner is back.
    link = short_dir / "via.sock"
    link.symlink_to(rdaemon.socket)
    marker = f"sq-recheck-{uuid.uuid4().hex[:8]}"
    with Client(rdaemon.socket) as client:
        queue = make_queue(client)
        task = client.enqueue(
            queue,
            "run-bash",
            {"script": f"exec '{sys.executable}' -c 'import time; time.sleep(60)' {marker}"},
            timeout=60,
        )
    log = short_dir / "runner.log"
    runner = start_runner(
        rdaemon,
        "--queue",
        queue,
        "--wait",
        "1",
        "--worker",
        WORKER,
        "--kill-grace",
        "1",
        "--grace",
        "1",
        log=log,
        socket=link,
    )
    try:
        with Client(rdaemon.socket) as client:
            wait_status(client, task["id"], ("running",))
        (pid,) = wait_for(lambda: live_processes_with(marker), 10, "the task's process")

        link.unlink()
        rdaemon.stop()
        rdaemon.start()
        with Client(rdaemon.socket) as client:
            became = change(client, task["id"])
            changed = client.call("task.get", id=task["id"])
        link.symlink_to(rdaemon.socket)

        wait_for(lambda: "changed while the daemon was away" in log.read_text(), 15, "recheck")
        wait_for(lambda: "not reporting" in log.read_text(), 10, "the task to be dropped")
        assert f"it is {became}" in log.read_text()
        wait_for(lambda: not live_processes_with(marker), 5, "the task's process to be gone")
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)

        with Client(rdaemon.socket) as client:
            now = client.call("task.get", id=task["id"])
        # Left as the change made it: the runner reported nothing.
        assert (now["status"], now["error"], now["claimed_at"], now["updated_at"]) == (
            changed["status"],
            changed["error"],
            changed["claimed_at"],
            changed["updated_at"],
        )
    finally:
        runner.terminate()
        code = runner.wait(20)
    assert code == 0, log.read_text()


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"
