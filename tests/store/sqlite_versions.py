"""SQLite files as earlier SparkQ releases left them: the schema of MIGRATIONS[:version] and
a few rows (one session, one queue, tasks in every status, their per-queue counts)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sparkq_daemon.store.sqlite.schema import MIGRATIONS

AT = "2026-01-01T00:00:00.000000+00:00"
BEAT = 1_767_225_600.0  # AT in unix seconds
# (friendly id, status, priority, worker): Q-0002 is the next to claim.
TASKS = [
    ("Q-0001", "queued", 0, None),
    ("Q-0002", "queued", 5, None),
    ("Q-0003", "running", 0, "w"),
    ("Q-0004", "succeeded", 0, "w"),
    ("Q-0005", "failed", 0, "w"),
]
COUNTS = {"queued": 2, "running": 1, "succeeded": 1, "failed": 1}


def task_id(seq: int) -> str:
    return f"tsk_{seq:x}abcdef"


def build_database_at(path: Path, version: int) -> None:
    """Write ``path`` at schema ``version`` with the rows above, as that release wrote them."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for script in MIGRATIONS[:version]:
            conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO sessions (id, name, created_at, updated_at) VALUES ('ses_1', 's', ?, ?)",
            (AT, AT),
        )
        conn.execute(
            "INSERT INTO queues (id, session_id, name, prefix, next_number, created_at, "
            "updated_at) VALUES ('que_1', 'ses_1', 'q', 'Q', ?, ?, ?)",
            (len(TASKS), AT, AT),
        )
        for seq, (friendly, status, priority, worker) in enumerate(TASKS, start=1):
            finished = AT if status in ("succeeded", "failed") else None
            conn.execute(
                "INSERT INTO tasks (seq, id, friendly_id, queue_id, tool, task_class, status, "
                "priority, timeout, attempts, worker, created_at, updated_at, claimed_at, beat, "
                "finished_at) VALUES (?, ?, ?, 'que_1', 'run-bash', 'MEDIUM_SCRIPT', ?, ?, 60, "
                "?, ?, ?, ?, ?, ?, ?)",
                (
                    seq,
                    task_id(seq),
                    friendly,
                    status,
                    priority,
                    int(worker is not None),
                    worker,
                    AT,
                    AT,
                    AT if worker else None,
                    BEAT if status == "running" else None,
                    finished,
                ),
            )
        conn.executemany(
            "INSERT INTO queue_counts (queue_id, status, n) VALUES ('que_1', ?, ?)",
            COUNTS.items(),
        )
        conn.execute("COMMIT")
    conn.close()
