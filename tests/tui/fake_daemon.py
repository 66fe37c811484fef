"""A stand-in for the daemon with fixed data and fixed times, for snapshot tests only: the
real daemon stamps real times and random ids, and a snapshot must not change between runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC)


def pinned_clock() -> datetime:
    return NOW


def _at(seconds_ago: float | None) -> str | None:
    return None if seconds_ago is None else (NOW - timedelta(seconds=seconds_ago)).isoformat()


def _task(number: int, status: str, tool: str, payload: dict[str, Any], **extra: Any) -> dict:
    created = 3600 - number * 300
    claimed = extra.pop("claimed", None)
    finished = extra.pop("finished", None)
    task = {
        "id": f"tsk_{number:016x}",
        "friendly_id": f"BACKEND-{number:04d}",
        "queue_id": "que_backend",
        "queue_name": "backend",
        "tool": tool,
        "task_class": "LLM_LITE" if tool.startswith("llm-") else "MEDIUM_SCRIPT",
        "payload": payload,
        "status": status,
        "priority": 0,
        "timeout": 480 if tool.startswith("llm-") else 600,
        "attempts": 1 if claimed else 0,
        "worker": "runner-1" if claimed else None,
        "result": None,
        "error": None,
        "stdout": None,
        "stderr": None,
        "created_at": _at(created),
        "updated_at": _at(finished or claimed or created),
        "claimed_at": _at(claimed),
        "heartbeat_at": _at(claimed),
        "finished_at": _at(finished),
        "stale_warned_at": None,
    }
    task.update(extra)
    return task


TASKS = [  # newest first, as task.list answers
    _task(9, "queued", "llm-haiku", {"prompt": "Summarise the failing test output"}),
    _task(8, "queued", "llm-sonnet", {"prompt": "Draft the release notes for 0.2"}),
    _task(
        7,
        "running",
        "llm-sonnet",
        {"prompt": "Refactor the store layer behind one interface"},
        claimed=1250,
        stale_warned_at=_at(30),
    ),
    _task(6, "running", "run-bash", {"script": "pytest -x tests/unit"}, claimed=42),
    _task(
        5,
        "succeeded",
        "run-python",
        {"script": "scripts/migrate.py --dry-run"},
        claimed=900,
        finished=840,
        result={"migrated": 12, "skipped": 0},
        stdout="checking schema v3\nmigrating 12 rows\ndone in 0.4 s\n",
        stderr="",
    ),
    _task(
        4,
        "failed",
        "run-bash",
        {"script": "make release"},
        claimed=1500,
        finished=1490,
        error="exit code 2",
        stderr="make: *** [release] Error 2\n",
    ),
    _task(
        3,
        "succeeded",
        "llm-haiku",
        {"prompt": "Write the changelog entry"},
        claimed=2000,
        finished=1990,
    ),
    _task(2, "succeeded", "run-bash", {"script": "ruff check ."}, claimed=2400, finished=2398),
    _task(1, "succeeded", "run-bash", {"script": "git pull --rebase"}, claimed=2700, finished=2699),
]

SESSIONS = [
    {"id": "ses_work", "name": "work", "status": "active", "description": ""},
    {"id": "ses_old", "name": "spring-cleanup", "status": "ended", "description": ""},
]


def _counts(tasks: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(("queued", "running", "succeeded", "failed"), 0)
    for task in tasks:
        counts[task["status"]] += 1
    return counts


QUEUES = [
    {
        "id": "que_backend",
        "session_id": "ses_work",
        "name": "backend",
        "status": "active",
        "paused": False,
        "counts": _counts(TASKS),
    },
    {
        "id": "que_docs",
        "session_id": "ses_work",
        "name": "docs",
        "status": "planned",
        "paused": True,
        "counts": {"queued": 4, "running": 0, "succeeded": 2, "failed": 0},
    },
    {
        "id": "que_old",
        "session_id": "ses_work",
        "name": "experiments",
        "status": "archived",
        "paused": False,
        "counts": {"queued": 0, "running": 0, "succeeded": 7, "failed": 1},
    },
]

TOOLS = [{"name": n} for n in ("llm-haiku", "llm-sonnet", "run-bash", "run-python")]


class FakeDaemonClient:
    """Answers the calls the cockpit makes, from the fixed data above."""

    socket_path = Path("/run/user/1000/sparkq/sparkq.sock")

    async def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        params = {**(params or {}), **kw}
        if method == "session.list":
            return {"sessions": SESSIONS}
        if method == "queue.list":
            return {"queues": QUEUES}
        if method == "system.stats":
            return {"tasks": _counts(TASKS), "queues": 3, "sessions": 2, "db_bytes": 0}
        if method == "tool.list":
            return {"tools": TOOLS}
        if method == "prompt.list":
            return {"prompts": [{"command": "review", "template_text": "Review: {input}"}]}
        if method == "task.get":
            return next(t for t in TASKS if t["id"] == params["id"])
        if method == "task.list":
            tasks = [t for t in TASKS if t["queue_id"] == params.get("queue")]
            if params.get("status"):
                tasks = [t for t in tasks if t["status"] == params["status"]]
            offset, limit = params.get("offset", 0), params.get("limit", 100)
            return {"tasks": tasks[offset : offset + limit], "total": len(tasks)}
        raise AssertionError(f"the snapshot app called {method}")

    async def subscribe(self, topics: Any = None) -> AsyncIterator[dict[str, Any]]:
        await asyncio.Event().wait()  # no events: the data never changes
        yield {}
