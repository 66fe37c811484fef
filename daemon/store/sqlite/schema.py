"""The schema, versioned by ``PRAGMA user_version``; each entry of MIGRATIONS moves one
version forward and runs inside the transaction that bumps the version."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: the first schema.
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        ended_at TEXT
    );
    CREATE TABLE queues (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        name TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL UNIQUE,
        instructions TEXT NOT NULL DEFAULT '',
        state TEXT,
        paused INTEGER NOT NULL DEFAULT 0,
        next_number INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX queues_session ON queues(session_id);
    CREATE TABLE tasks (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        friendly_id TEXT NOT NULL UNIQUE,
        queue_id TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        tool TEXT NOT NULL,
        task_class TEXT NOT NULL,
        payload TEXT,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        timeout REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        worker TEXT,
        result TEXT,
        error TEXT,
        stdout TEXT,
        stderr TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        claimed_at TEXT,
        heartbeat_at TEXT,
        finished_at TEXT,
        stale_warned_at TEXT,
        beat REAL
    );
    CREATE INDEX tasks_claim ON tasks(queue_id, priority DESC, seq) WHERE status = 'queued';
    CREATE INDEX tasks_queue_page ON tasks(queue_id, seq);
    CREATE INDEX tasks_running ON tasks(beat) WHERE status = 'running';
    CREATE INDEX tasks_finished ON tasks(finished_at) WHERE finished_at IS NOT NULL;
    -- Per-queue counts by status, so counts never scan tasks. Deletes keep them by trigger;
    -- since version 2 the writer adds every other change once per group commit (store/tx.py).
    CREATE TABLE queue_counts (
        queue_id TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (queue_id, status)
    ) WITHOUT ROWID;
    CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE queue_id = old.queue_id AND status = old.status;
    END;
    CREATE TRIGGER tasks_count_update AFTER UPDATE OF status ON tasks
    WHEN old.status <> new.status BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE queue_id = old.queue_id AND status = old.status;
        INSERT INTO queue_counts (queue_id, status, n) VALUES (new.queue_id, new.status, 1)
        ON CONFLICT (queue_id, status) DO UPDATE SET n = n + 1;
    END;
    CREATE TABLE task_classes (
        name TEXT PRIMARY KEY,
        timeout REAL NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE tools (
        name TEXT PRIMARY KEY,
        task_class TEXT NOT NULL REFERENCES task_classes(name) ON UPDATE CASCADE,
        description TEXT NOT NULL DEFAULT '',
        command TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE prompts (
        command TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        template_text TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE settings (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
    # 2: status changes no longer fire a trigger; the writer keeps the counts (store/tx.py).
    """
    DROP TRIGGER tasks_count_update;
    """,
    # 3: the config file's last-applied value per key, so a reload or a restart applies what
    # the file changed and keeps what was changed over the protocol (store/config_sync.py).
    """
    CREATE TABLE config_file_values (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 4: access tokens for the TCP listener: only the SHA-256 digest of each secret is kept.
    """
    CREATE TABLE tokens (
        name TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    """,
    # 5: time and failure (PROTOCOL.md v2): delays (status 'scheduled' until run_at), retries
    # with backoff, expiry, the reason a task failed or was cancelled, per-class retry
    # defaults, and each task's timeline. Times are stored as the protocol's UTC ISO strings,
    # which compare in time order. The claim index keeps serving due tasks only: scheduled
    # tasks are not 'queued' until promoted.
    """
    ALTER TABLE tasks ADD COLUMN run_at TEXT;
    ALTER TABLE tasks ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE tasks ADD COLUMN backoff TEXT;
    ALTER TABLE tasks ADD COLUMN reason TEXT;
    ALTER TABLE tasks ADD COLUMN expires_at TEXT;
    CREATE INDEX tasks_due ON tasks(run_at) WHERE status = 'scheduled';
    CREATE INDEX tasks_expiry ON tasks(expires_at)
        WHERE expires_at IS NOT NULL AND status IN ('queued', 'scheduled');
    CREATE INDEX tasks_dead ON tasks(queue_id, reason) WHERE status = 'failed';
    ALTER TABLE task_classes ADD COLUMN max_attempts INTEGER;
    ALTER TABLE task_classes ADD COLUMN backoff TEXT;
    -- One row per state change after the task's creation (its enqueue is the task row
    -- itself); keyed by task, so a task's timeline and its cascade delete are one range,
    -- and seq numbers the task's own rows 1, 2, 3 … (its enqueue is 0).
    CREATE TABLE task_events (
        task_seq INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        attempt INTEGER,
        worker TEXT,
        detail TEXT,
        PRIMARY KEY (task_seq, seq)
    ) WITHOUT ROWID;
    """,
    # 6: flow control: a queue's concurrency and rate limit (``limits.py``), and the claims
    # of a rate-limited queue in its sliding window (pruned as the window moves); rate_until:
    # when a full window next opens a slot (unix seconds), for the Queue object's ``blocked``.
    """
    ALTER TABLE queues ADD COLUMN concurrency INTEGER;
    ALTER TABLE queues ADD COLUMN rate_limit INTEGER;
    ALTER TABLE queues ADD COLUMN rate_per REAL;
    ALTER TABLE queues ADD COLUMN rate_until REAL;
    CREATE TABLE queue_claims (
        queue_id TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        at REAL NOT NULL
    );
    CREATE INDEX queue_claims_window ON queue_claims(queue_id, at);
    """,
    # 7: schedules (``schedules.py``): each stores its next slot, advanced in the transaction
    # that enqueues the slot's task; tasks name the schedule and slot that made them.
    """
    CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        queue_id TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        tool TEXT NOT NULL,
        cron TEXT,
        every REAL,
        timezone TEXT NOT NULL,
        anchor REAL NOT NULL,
        payload TEXT,
        task_class TEXT,
        timeout REAL,
        priority INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER,
        overlap TEXT NOT NULL,
        catch_up TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        next_run_at TEXT,
        last_run_at TEXT,
        last_task_id TEXT,
        runs INTEGER NOT NULL DEFAULT 0,
        missed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX schedules_due ON schedules(next_run_at) WHERE enabled = 1;
    ALTER TABLE tasks ADD COLUMN schedule_id TEXT;
    ALTER TABLE tasks ADD COLUMN scheduled_for TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; return the version it had before.

    Refuses a database written by a newer SparkQ (its version is above ours)."""
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database has schema version {before}, newer than this SparkQ's "
            f"{SCHEMA_VERSION}: upgrade SparkQ"
        )
    for version in range(before, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before


def _statements(script: str) -> list[str]:
    """Split a migration into statements (triggers hold semicolons inside BEGIN…END)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
