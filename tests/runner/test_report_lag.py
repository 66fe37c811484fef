"""A runner's reports keep up with its claims: draining 2 000 tiny tasks, the daemon never
sees more tasks running than the runner's concurrency (when reports queued behind claims, it
saw hundreds), and no report is left to deliver at the end. The report lag is printed."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime

import pytest

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import killed_at_exit, make_queue, start_runner

TASKS = 2_000
CONCURRENCY = 4
BATCH = 1000


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def _sample_running(daemon: DaemonProcess, stop: threading.Event, seen: list[int]) -> None:
    """Record ``system.stats``'s running count until ``stop`` is set."""
    with Client(daemon.socket) as watcher:
        while not stop.is_set():
            seen.append(watcher.call("system.stats")["tasks"].get("running", 0))
            stop.wait(0.005)


@pytest.mark.timeout(300)  # about 10 s on a quiet 2-core machine; several times that when busy
def test_draining_2000_tasks_keeps_reports_up_with_claims(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client, "backend")
    for start in range(0, TASKS, BATCH):
        items = [
            {"tool": "run-bash", "payload": {"script": f"echo {n}"}}
            for n in range(start, start + BATCH)
        ]
        client.call("task.enqueue_batch", queue=queue, tasks=items)
    seen: list[int] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_running, args=(rdaemon, stop, seen))
    sampler.start()
    try:
        runner = start_runner(
            rdaemon, "--queue", queue, "--drain", "--concurrency", str(CONCURRENCY)
        )
        started = time.monotonic()
        with killed_at_exit(runner):
            _, err = runner.communicate(timeout=300)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        sampler.join(10)

    assert runner.returncode == 0, err[-2000:]
    stats = client.call("system.stats")["tasks"]
    assert stats.get("succeeded") == TASKS and not stats.get("running")
    lags = sorted(
        _seconds(t["finished_at"]) - _seconds(t["claimed_at"]) - t["result"]["duration_s"]
        for t in _all_tasks(client, queue)
    )
    p50, p99 = lags[len(lags) // 2], lags[int(len(lags) * 0.99)]
    print(f"report lag: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {lags[-1]:.3f} s")
    print(f"drained {TASKS} tasks in {elapsed:.1f} s ({TASKS / elapsed:.0f}/s)")
    print(f"running seen: max {max(seen)}, mean {statistics.fmean(seen):.2f}, {len(seen)} samples")

    assert "waiting up to" not in err  # nothing was left to deliver at the end
    assert len(seen) > 100, "the sampler saw too little of the drain"
    assert max(seen) <= CONCURRENCY, f"the daemon saw {max(seen)} tasks running"


def _all_tasks(client: Client, queue: str) -> list[dict]:
    tasks: list[dict] = []
    while page := client.call("task.list", queue=queue, limit=1000, offset=len(tasks))["tasks"]:
        tasks.extend(page)
    return tasks


def test_a_drain_claims_each_next_task_with_the_last_report(
    rdaemon: DaemonProcess, client: Client
) -> None:
    """One slot, 20 tasks: the first is claimed alone, the other 19 come back in the
    replies of the reports before them (claim_next), one round trip per task."""
    queue = make_queue(client)
    items = [{"tool": "run-bash", "payload": {"script": "true"}} for _ in range(20)]
    client.call("task.enqueue_batch", queue=queue, tasks=items)

    runner = start_runner(rdaemon, "--queue", queue, "--drain", "--concurrency", "1")
    with killed_at_exit(runner):
        _, err = runner.communicate(timeout=120)

    assert runner.returncode == 0, err[-2000:]
    assert "done: 20 succeeded, 0 failed (19 claimed with a report)" in err
    assert client.call("queue.get", queue=queue)["counts"]["succeeded"] == 20
