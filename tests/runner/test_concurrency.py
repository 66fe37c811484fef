"""--concurrency N runs up to N tasks at once, never more."""

from __future__ import annotations

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import make_queue, run_runner

SCRIPT = "import time\nstart = time.time()\ntime.sleep(0.6)\nprint(start, time.time())\n"


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    current = best = 0
    for _, step in edges:
        current += step
        best = max(best, current)
    return best


def test_concurrency_is_honoured(rdaemon: DaemonProcess, client: Client) -> None:
    queue = make_queue(client)
    batch = [{"tool": "run-python", "payload": {"script": SCRIPT}} for _ in range(6)]
    tasks = client.call("task.enqueue_batch", queue=queue, tasks=batch)["tasks"]

    proc = run_runner(rdaemon, "--queue", queue, "--drain", "--concurrency", "3")

    assert proc.returncode == 0, proc.stderr
    intervals = []
    for task in tasks:
        task = client.call("task.get", id=task["id"])
        assert task["status"] == "succeeded"
        start, end = map(float, task["stdout"].split())
        intervals.append((start, end))
    assert max_overlap(intervals) == 3
