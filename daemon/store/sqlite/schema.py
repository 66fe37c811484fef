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
    # 6: webhooks and their delivery outbox. A delivery row is written in the transaction
    # that commits its event (store/sqlite/webhook_outbox.py); the deliverer takes the due
    # ones by ``next_attempt_at`` (a lease while an attempt runs) and logs each outcome.
    """
    CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT,
        queue_id TEXT,
        queue_name TEXT,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        next_attempt_at TEXT,
        delivered_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
        WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, seq);
    """,
    # 7: unique keys and dependencies (PROTOCOL.md v2 "Enqueue"). The partial unique index
    # holds a key while its task is live: racing enqueues create one task. ``depends_on`` and
    # ``blocked_by`` are JSON arrays of task ids; ``dependants`` is set once a task is named
    # by another, so ending a task without dependants looks nothing up. ``task_deps`` holds
    # the edges both ways (a dependency's dependants; a dependant's dependencies).
    """
    ALTER TABLE tasks ADD COLUMN unique_key TEXT;
    ALTER TABLE tasks ADD COLUMN depends_on TEXT;
    ALTER TABLE tasks ADD COLUMN blocked_by TEXT;
    ALTER TABLE tasks ADD COLUMN dependants INTEGER NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX tasks_unique_live ON tasks(queue_id, unique_key)
        WHERE unique_key IS NOT NULL AND status IN ('queued', 'scheduled', 'blocked', 'running');
    CREATE TABLE task_deps (
        dep_seq INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
        task_seq INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
        PRIMARY KEY (dep_seq, task_seq)
    ) WITHOUT ROWID;
    CREATE INDEX task_deps_dependant ON task_deps(task_seq);
    """,
    # 8: a running task's progress, as the JSON object {percent, message, at} (task.progress).
    """
    ALTER TABLE tasks ADD COLUMN progress TEXT;
    """,
    # 9: live output (task.log / task.logs): each task's chunks numbered 1, 2, 3 …, keyed by
    # task so its page and its cascade delete are one range; the task row keeps the last
    # number and the bytes kept, so the 1 MiB tail cap needs no scan.
    """
    ALTER TABLE tasks ADD COLUMN log_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE tasks ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE task_logs (
        task_seq INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        stream TEXT NOT NULL,
        text TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (task_seq, seq)
    ) WITHOUT ROWID;
    """,
    # 10: the runners connected now (worker.hello), one row per connection; emptied when the
    # daemon starts (a row outlives its connection only if the daemon died).
    """
    CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER,
        queues TEXT NOT NULL,
        tools TEXT,
        concurrency INTEGER,
        connected_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
    );
    """,
    # 11: agent roles (a prompt put before a queue's instructions), the role a queue or a task
    # names, and a queue's model profile (which LLM tool its prompts go to by default).
    """
    CREATE TABLE roles (
        key TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        prompt TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    ALTER TABLE queues ADD COLUMN role TEXT;
    ALTER TABLE queues ADD COLUMN model_profile TEXT;
    ALTER TABLE tasks ADD COLUMN role TEXT;
    """,
    # 12: flow control: a queue's concurrency and rate limit (``limits.py``), and the claims
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
    # 13: schedules (``schedules.py``): each stores its next slot, advanced in the transaction
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
    # 14: a claim's lease: counts every claim of the task and never goes back, even when
    # attempts does (a requeue gives a claim back; a redrive starts attempts again), so a report
    # naming it can never land on a later claim.
    """
    ALTER TABLE tasks ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;
    UPDATE tasks SET lease = attempts;
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
