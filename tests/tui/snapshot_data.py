"""The data the snapshot tests show, put into a real daemon over its socket at pinned times.

The daemon runs in this process (``tests/inprocess_daemon.py``) so its clock and the random
part of its ids can be pinned: the same calls at the same times give the same ids and times
on every run, and a snapshot changes only when the cockpit's look does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sparkq_daemon import sweeper
from sparkq_tui.client import Client
from tests.inprocess_daemon import InProcessDaemon, PinnedClock

NOW = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC)
# The socket path the header shows: a test's socket lives in a random temporary folder.
SHOWN_SOCKET = "/run/user/1000/sparkq/sparkq.sock"
WORKER = "runner-1"


def pinned_clock() -> datetime:
    return NOW


@dataclass
class Task:
    """One task of the ``backend`` queue and what happens to it (seconds before NOW)."""

    number: int
    tool: str
    payload: dict[str, Any]
    claimed: float | None = None
    heartbeat: float | None = None
    finished: float | None = None
    outcome: dict[str, Any] = field(default_factory=dict)  # task.complete / task.fail params
    options: dict[str, Any] = field(default_factory=dict)  # more task.enqueue params

    @property
    def created(self) -> float:
        return 3600 - self.number * 300


BACKEND = [  # oldest first, as they are enqueued
    Task(1, "run-bash", {"script": "git pull --rebase"}, 2700, None, 2699, {"result": None}),
    Task(2, "run-bash", {"script": "ruff check ."}, 2400, None, 2398, {"result": None}),
    Task(3, "llm-haiku", {"prompt": "Write the changelog entry"}, 2000, None, 1990, {}),
    Task(
        4,
        "run-bash",
        {"script": "make release"},
        1500,
        None,
        1490,
        {"error": "exit code 2", "stderr": "make: *** [release] Error 2\n"},
    ),
    Task(
        5,
        "run-python",
        {"script": "scripts/migrate.py --dry-run"},
        900,
        900,
        840,
        {
            "result": {"migrated": 12, "skipped": 0},
            "stdout": "checking schema v3\nmigrating 12 rows\ndone in 0.4 s\n",
            "stderr": "",
        },
    ),
    Task(6, "run-bash", {"script": "pytest -x tests/unit"}, 42),
    # Running for 20 minutes without a heartbeat (llm-sonnet's timeout is 1 200 s): the sweep
    # 30 s ago warned of it.
    Task(7, "llm-sonnet", {"prompt": "Refactor the store layer behind one interface"}, 1250),
    Task(8, "llm-sonnet", {"prompt": "Draft the release notes for 0.2"}),
    Task(9, "llm-haiku", {"prompt": "Summarise the failing test output"}),
    # Failed once, may retry: its next attempt is due in 4 minutes (no jitter: a fixed time).
    Task(
        10,
        "run-bash",
        {"script": "deploy --canary"},
        500,
        None,
        480,
        {"error": "connection refused: canary-1:443"},
        {"max_attempts": 3, "backoff": {"type": "fixed", "delay": 720, "jitter": 0}},
    ),
    # Out of time on its first attempt and failed for good: a dead letter with reason timeout.
    Task(
        11,
        "llm-sonnet",
        {"prompt": "Translate the docs to French"},
        280,
        None,
        100,
        {"error": "runner timeout after 180 s", "reason": "timeout", "retry": False},
        {"max_attempts": 2},
    ),
]
STALE_SWEEP = 30


def seed(daemon: InProcessDaemon, clock: PinnedClock) -> None:
    """Sessions ``work`` (queues backend, docs paused, experiments archived) and
    ``spring-cleanup`` (ended), the nine backend tasks, and a few in the other queues."""
    now = NOW.timestamp()

    def at(seconds_ago: float) -> None:
        clock.at(now - seconds_ago)

    with Client(daemon.socket) as c:
        at(7200)
        c.call("session.create", name="work")
        c.call("session.create", name="spring-cleanup")
        for name in ("backend", "docs", "experiments"):
            c.call("queue.create", name=name, session="work")
        c.call("session.end", session="spring-cleanup")
        _other_queues(c, at)
        ids = {}
        for task in BACKEND:
            at(task.created)
            ids[task.number] = c.call(
                "task.enqueue",
                queue="backend",
                tool=task.tool,
                payload=task.payload,
                **task.options,
            )["id"]
        steps: list[tuple[float, str, Task]] = []
        for task in BACKEND:
            for kind in ("claimed", "heartbeat", "finished"):
                when = getattr(task, kind)
                if when is not None:
                    steps.append((when, kind, task))
        steps.append((STALE_SWEEP, "sweep", BACKEND[0]))
        for when, kind, task in sorted(steps, key=lambda s: -s[0]):
            at(when)
            task_id = ids[task.number]
            if kind == "claimed":
                c.call("task.claim", id=task_id, worker=WORKER)
            elif kind == "heartbeat":
                c.call("task.heartbeat", id=task_id, worker=WORKER)
            elif kind == "sweep":
                daemon.run(sweeper.sweep_once)
            elif "error" in task.outcome:
                c.call("task.fail", id=task_id, worker=WORKER, **task.outcome)
            else:
                c.call("task.complete", id=task_id, worker=WORKER, **task.outcome)
        at(0)


def _other_queues(c: Client, at: Any) -> None:
    """docs: 4 queued, 2 done, paused; experiments: 7 done, 1 failed, archived."""
    at(6000)
    for queue, done, failed, queued in (("docs", 2, 0, 4), ("experiments", 7, 1, 0)):
        for i in range(done + failed + queued):
            task = c.call("task.enqueue", queue=queue, tool="run-bash", payload={"script": f"{i}"})
            if i < done + failed:
                c.call("task.claim", id=task["id"], worker=WORKER)
                if i < done:
                    c.call("task.complete", id=task["id"], worker=WORKER)
                else:
                    c.call("task.fail", id=task["id"], worker=WORKER, error="boom")
    c.call("queue.pause", queue="docs")
    c.call("queue.archive", queue="experiments")
