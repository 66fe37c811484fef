"""Outbox files whose runner is gone (it ran under another worker name) are delivered by the
next runner started with the same outbox folder, under the same claim check as its own; a file
a live runner holds is left alone."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from sparkq_tui.client import AsyncClient, Client
from sparkq_tui.runner.adopt import adopt_left_over
from sparkq_tui.runner.holding import holder_of
from sparkq_tui.runner.outbox_file import OutboxFile, outbox_path
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

GONE = "w-gone"


def _leave_report(client: Client, outbox_dir: Path, queue: str) -> tuple[dict, Path]:
    """A task claimed by worker GONE, and a journal holding its completion as GONE's runner
    writes it (then closed, as a runner that died leaves it): (task, journal path)."""
    task = client.enqueue(queue, "run-bash", {"script": "true"}, timeout=60)
    claimed = client.call("task.claim", id=task["id"], worker=GONE)["task"]
    journal = OutboxFile.open(outbox_dir, GONE)
    journal.append(
        "task.complete",
        {"id": task["id"], "worker": GONE, "result": {"exit_code": 0}, "stdout": "late\n"},
        holder_of(claimed, GONE),
    )
    journal.close(remove=False)
    return claimed, outbox_path(outbox_dir, GONE)


def test_a_result_left_by_a_runner_under_another_name_is_delivered(
    rdaemon: DaemonProcess, short_dir: Path, outbox_dir: Path
) -> None:
    with Client(rdaemon.socket) as client:
        queue = make_queue(client)
        task, gate, done = enqueue_gated(client, queue, short_dir)
    log = short_dir / "gone.log"
    started = start_runner(rdaemon, "--queue", queue, "--wait", "1", "--worker", GONE, log=log)
    with killed_at_exit(started) as gone:
        finish_while_daemon_away(rdaemon, task, gate, done, log)
        stop_keeping_reports(gone, log)
    journal = outbox_path(outbox_dir, GONE)
    assert "task.complete" in journal.read_text()

    rdaemon.start()
    proc = run_runner(rdaemon, "--queue", queue, "--drain", "--worker", "w-next", timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "1 report(s) delivered, 0 dropped" in proc.stderr
    with Client(rdaemon.socket) as client:
        task = client.call("task.get", id=task["id"])
    assert task["status"] == "succeeded", proc.stderr
    assert task["stdout"] == "result\n"
    assert task["worker"] == GONE
    assert not journal.exists()


@pytest.mark.parametrize("other", ["w-live", GONE], ids=["other-worker", "same-name-new-claim"])
def test_a_left_report_for_a_task_claimed_again_is_dropped(
    client: Client, rdaemon: DaemonProcess, outbox_dir: Path, other: str
) -> None:
    queue = make_queue(client)
    task, journal = _leave_report(client, outbox_dir, queue)
    client.call("task.requeue", id=task["id"])
    again = client.call("task.claim", id=task["id"], worker=other)["task"]

    proc = run_runner(rdaemon, "--queue", queue, "--drain", "--worker", "w-next", timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "0 report(s) delivered, 1 dropped" in proc.stderr
    now = client.call("task.get", id=task["id"])
    assert (now["status"], now["worker"], now["claimed_at"]) == (
        "running",
        other,
        again["claimed_at"],
    )
    assert not now["stdout"]
    assert not journal.exists()


def test_a_file_a_live_runner_holds_is_left_alone(
    client: Client, rdaemon: DaemonProcess, outbox_dir: Path
) -> None:
    queue = make_queue(client)
    task, journal_path = _leave_report(client, outbox_dir, queue)
    held = OutboxFile.open(outbox_dir, GONE)  # as the live runner named GONE does
    try:
        proc = run_runner(rdaemon, "--queue", queue, "--drain", "--worker", "w-next", timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert "adopted" not in proc.stderr
        assert client.call("task.get", id=task["id"])["status"] == "running"
        assert [r["params"]["id"] for r in held.pending()] == [task["id"]]
    finally:
        held.close(remove=False)
    assert journal_path.exists()


def test_a_file_stays_when_the_daemon_is_away(
    client: Client, outbox_dir: Path, short_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    queue = make_queue(client)
    task, journal_path = _leave_report(client, outbox_dir, queue)

    async def adopt() -> None:
        away = AsyncClient(short_dir / "nobody.sock", reconnect_timeout=0.1)
        await adopt_left_over(away, outbox_dir, None, asyncio.Event())

    with caplog.at_level(logging.WARNING, "sparkq.runner"):
        asyncio.run(adopt())
    assert "left in" in caplog.text
    journal = OutboxFile.adopt(journal_path)  # the lock was released
    try:
        assert [r["params"]["id"] for r in journal.pending()] == [task["id"]]
    finally:
        journal.close(remove=False)
    assert client.call("task.get", id=task["id"])["status"] == "running"
