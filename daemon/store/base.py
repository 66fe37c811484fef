"""The Store protocol: every domain operation the daemon performs on its database.

The methods layer, the sweeper and purge call only this; each engine implements it with its
own SQL (``store/sqlite/``: the embedded default, one daemon; ``store/postgres/``: several
daemons on several hosts). Objects cross it as the protocol's dicts (PROTOCOL.md "Objects").
Modelled on River's driver interface: one operation per domain action, one params type for
each operation that takes more than a reference, and the leaks admitted where they are.

Rules every engine keeps (the conformance suite in ``tests/store/`` checks them):

- A write is acknowledged only after it is durable; its events reach ``on_commit`` after
  the commit, never before, and never for a write that was rolled back.
- Every state change is guarded by the state it expects; a task goes to exactly one claimer.
- References (``ref``) accept an id or a name (sessions, queues), an id or a friendly id
  (tasks). Unknown references raise ``NotFound``; refused state changes ``Conflict``; bad
  values ``Validation`` (``sparkq_daemon.errors``), each message naming the value.
- An optional description or instructions given as None is stored as "".
- Times come from the engine's clock (a daemon's, or the database's); the suite injects a
  fake one (``tests/store/engines.py``), and an engine that cannot follow it says so there.

Time and failure (PROTOCOL.md v2), kept by every engine:

- Statuses: ``queued`` (due now, claimable), ``scheduled`` (due at ``run_at``; never
  claimable, and never in the way of a due task), ``blocked`` (waits for its ``depends_on``;
  ``blocked_by`` lists those not succeeded yet), ``running``, and
  the terminal ``succeeded``, ``failed`` and ``cancelled``. Counts carry all seven.
- ``attempts`` counts claims; a claim given back (a running task requeued) does not count.
  ``lease`` counts every claim and never goes back. A report that names an ``attempt`` or a
  ``lease`` is ``Conflict`` unless the task is running that claim.
- A failed attempt with ``retry`` and ``attempts < max_attempts`` becomes ``scheduled`` at
  now + ``policy.backoff.delay_before(backoff, attempts)`` (event ``task.retrying``);
  otherwise ``failed`` with its ``reason`` (``error``, ``timeout``, ``stale``, ``expired``).
- Due promotion: a ``scheduled`` task whose ``run_at`` has come is moved to ``queued`` (event
  ``task.due``, serving waiting claims) by a timer the engine arms on the earliest
  ``run_at``, by ``promote_due``, and before any claim picks a task. Expiry: a ``queued`` or
  ``scheduled`` task past its ``expires_at`` becomes ``failed`` with reason ``expired`` at the
  same moments and in ``sweep``.
- Every state change writes one timeline row in its own transaction (``task_events``):
  ``due``, ``claimed``, ``stale``, ``retrying``, ``failed``, ``succeeded``, ``cancelled``,
  ``requeued``, ``rescheduled``, ``updated``; the rows go with their task. ``task_events``
  gives them after ``enqueued`` (seq 0, at ``created_at``: the task's creation is its own
  row), numbered 1, 2, 3 … per task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sparkq_daemon.store.live import Hello

Session = dict[str, Any]
Queue = dict[str, Any]
Task = dict[str, Any]
Event = dict[str, Any]
EventSink = Callable[[list[Event]], None]


@dataclass(slots=True)  # not frozen: a batch builds a thousand, frozen init is slower
class EnqueueItem:
    """One task to create. ``payload_json`` is ``payload`` already encoded (and size-checked)
    by the methods layer; ``task_class`` and ``timeout`` default from the tool's class."""

    tool: str
    payload: Any = None
    payload_json: str | None = None
    task_class: str | None = None
    timeout: float | None = None
    priority: int = 0
    # v2 (already validated, times as unix seconds). ``delay`` or ``run_at``: due then; a
    # time more than a year after the engine's now is ``Validation``. ``ttl`` counts from
    # the due time; ``expires_at`` must come after it. ``max_attempts`` and ``backoff``
    # (a ``policy.backoff.check``ed object) default to the task class's, else 1 and
    # ``policy.backoff.DEFAULT``.
    delay: float | None = None
    run_at: float | None = None
    max_attempts: int | None = None
    backoff: dict[str, Any] | None = None
    ttl: float | None = None
    expires_at: float | None = None
    # Flow control: while a task of the queue with ``unique_key`` is live (queued, scheduled,
    # blocked, running) the item creates nothing and that task comes back with
    # ``duplicate: True``. ``depends_on``: task ids or friendly ids, or (in a batch) indexes
    # of earlier items; the task is ``blocked`` until each has succeeded, ``cancelled`` with
    # reason ``dependency`` when one ends without success (resolved in that same commit).
    unique_key: str | None = None
    depends_on: tuple[str | int, ...] = ()
    role: str | None = None  # a role key (checked by the methods layer)


@dataclass(frozen=True, slots=True)
class ClaimParams:
    """``task.claim``: from ``queue`` (any active queue when None), or the task ``id``;
    only tasks whose tool is in ``tools`` when given. ``wait`` seconds (0: answer at once)
    ends early when one of ``give_up`` is set (the daemon stops, the client went away)."""

    queue: str | None = None
    id: str | None = None
    worker: str | None = None
    tools: tuple[str, ...] | None = None
    wait: float = 0.0
    give_up: Sequence[asyncio.Event] = ()


@dataclass(frozen=True, slots=True)
class FinishParams:
    """``task.complete`` (status ``succeeded``) or ``task.fail`` (``failed``) of a running
    task; ``worker``, when given, must be the claim's holder."""

    ref: str
    status: str
    result_json: str | None = None
    error: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    worker: str | None = None
    # v2: the claim's fence (``Conflict`` unless running this attempt); for ``failed``,
    # whether the task may retry (when attempts remain) and the ``reason`` if it ends.
    attempt: int | None = None
    lease: int | None = None  # the claim's lease: a fence that never repeats
    retry: bool = True
    reason: str = "error"


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """``task.list``'s filters (all optional; statuses already validated)."""

    queue: str | None = None
    session: str | None = None
    statuses: tuple[str, ...] = ()
    tool: str | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """What one sweep did: friendly ids of tasks warned as stale, of tasks failed for good
    (stale, out of attempts), of stale tasks scheduled for a retry, and of tasks expired."""

    warned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


class Store(Protocol):
    """A SparkQ store engine. ``on_commit`` receives the events of every committed write
    (on PostgreSQL also those committed by other daemons on the same database: those carry
    ``remote: True``, so each daemon's own counters in ``/metrics`` skip them)."""

    engine: str  # "sqlite" or "postgresql"
    on_commit: EventSink

    # -- engine -----------------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, migrate forward (refusing a schema newer than this code), load caches."""

    async def close(self) -> None:
        """Finish queued writes, then release every connection."""

    def describe(self) -> dict[str, Any]:
        """Facts for ``system.info``: ``engine``, where the data lives, ``leader``."""

    def database_settings(self) -> dict[str, Any]:
        """The ``database`` section ``config.get`` shows (never a password)."""

    def leads(self) -> bool:
        """Whether this daemon runs the periodic jobs (sweeper, purge) now. Always true on
        SQLite (one daemon per file); on PostgreSQL the elected leader's."""

    async def backup_to(self, target: Path) -> None:
        """Copy the whole database to ``target``. SQLite only: other engines raise
        ``Conflict`` naming their own tool (``pg_dump``)."""

    # -- sessions ---------------------------------------------------------------------------
    async def session_create(self, name: str, description: str | None) -> Session: ...
    async def session_list(self, status: str | None) -> list[Session]: ...
    async def session_get(self, ref: str) -> Session: ...
    async def session_end(self, ref: str) -> Session: ...
    async def session_delete(self, ref: str) -> dict[str, Any]:
        """Delete the session with its queues and tasks (in chunks: no long commit)."""

    # -- queues -----------------------------------------------------------------------------
    async def queue_create(
        self,
        name: str,
        session: str,
        instructions: str | None,
        role: str | None = None,
        model_profile: str | None = None,
    ) -> Queue:
        """A new queue; ``role`` and ``model_profile`` (already checked) may be None."""

    async def queue_list(
        self, session: str | None, status: str | None, include_archived: bool
    ) -> list[Queue]: ...
    async def queue_get(self, ref: str) -> Queue: ...
    async def queue_update(
        self,
        ref: str,
        name: str | None,
        instructions: str | None,
        role: str | None = None,
        model_profile: str | None = None,
    ) -> Queue:
        """Change what is given: None keeps a member; ``role`` or ``model_profile`` ""
        clears it."""

    async def queue_set_state(self, ref: str, state: str | None, event: str) -> Queue:
        """``ended`` / ``archived`` / None (unarchive), publishing ``event``. Unarchiving a
        queue that is not archived is a ``Conflict``."""

    async def queue_set_limits(self, ref: str, changes: dict[str, Any]) -> Queue:
        """Set (or clear with None) the ``concurrency`` and ``rate_limit`` ``{limit, per}``
        present in ``changes`` (validated); event ``queue.updated``. Limits are counted over
        every claimer of every daemon, checked in the claiming transaction; a claim by task id
        is not limited. Changing them never resets a running count."""

    async def claim_blocked(self, queue: str) -> dict[str, Any]:
        """Why a claim on ``queue`` gets nothing now: ``{reason: paused | concurrency | rate |
        empty, retry_after?}`` (seconds, for ``rate`` or a scheduled task of the queue)."""

    async def queue_set_paused(self, ref: str, paused: bool) -> Queue:
        """Pause or resume an open queue; an ended or archived one is a ``Conflict``."""

    async def queue_delete(self, ref: str) -> dict[str, Any]:
        """Delete the queue and its tasks (in chunks: no long commit); blocked tasks elsewhere
        that wait for one of them are cancelled with reason ``dependency``."""

    # -- tasks ------------------------------------------------------------------------------
    async def task_enqueue(self, queue: str, items: Sequence[EnqueueItem]) -> list[Task]:
        """Create every item in ``queue``, all or none: one Task per item, in order; an item
        whose ``unique_key`` a live task (or an earlier item) holds returns that task with
        ``duplicate: True``. A ``depends_on`` naming an unknown task is ``NotFound``."""

    async def task_peek(self, queue: str) -> Task | None: ...
    async def task_claim(self, params: ClaimParams) -> Task | None:
        """The claimed task, or None when none came within ``params.wait``. Waiting never
        polls the database: the engine is woken by the writes that make a task claimable."""

    async def task_heartbeat(
        self, ref: str, worker: str | None, attempt: int | None = None, lease: int | None = None
    ) -> Task:
        """Restart a running task's stale clock (by its holder when ``worker`` is given, of
        that claim when ``attempt`` or ``lease`` is); publishes no event."""

    async def task_progress(
        self,
        ref: str,
        worker: str | None,
        attempt: int | None,
        percent: float | None,
        message: str | None,
        announce: bool,
        lease: int | None = None,
    ) -> Task:
        """Set a running task's ``progress`` to ``{percent, message, at}`` (a member not
        given keeps its last value; a claim clears it); counts as a heartbeat. Fenced as
        ``task_heartbeat``. With ``announce``, publishes ``task.progress``."""

    async def task_log(
        self,
        ref: str,
        worker: str | None,
        attempt: int | None,
        stream: str,
        text: str,
        lease: int | None = None,
    ) -> dict[str, Any]:
        """Append a chunk of a running task's live output (fenced as ``task_heartbeat``);
        the line ``{seq, at, stream, text}``, ``seq`` counting 1, 2, 3 … per task. Beyond
        ``live.LOG_TAIL_BYTES`` per task the oldest lines go. Publishes ``task.log``."""

    async def task_logs(self, ref: str, after: int, limit: int) -> dict[str, Any]:
        """``{lines, next}``: up to ``limit`` lines with ``seq > after``, oldest first; the
        lines go with their task."""

    async def task_finish(self, params: FinishParams) -> Task: ...
    async def task_finish_and_claim(
        self, params: FinishParams, claim: ClaimParams
    ) -> tuple[Task, Task | None, Exception | None]:
        """Finish a task and claim the next in the same commit (``task.complete`` /
        ``task.fail`` with ``claim_next``): (finished task, next task or None, the error that
        refused the claim or None). A refused finish raises and claims nothing; a refused
        claim does not undo the finish."""

    async def task_requeue(
        self,
        ref: str,
        worker: str | None = None,
        attempt: int | None = None,
        lease: int | None = None,
    ) -> Task:
        """Back to ``queued`` (``run_at`` and ``expires_at`` cleared) from running, scheduled,
        succeeded, failed or cancelled; a finished task's ``attempts`` and ``reason`` are reset
        too, and a running task's claim is given back (``attempts`` one less, never below 0:
        it does not count; ``lease`` keeps counting). With ``worker`` (and ``attempt`` or
        ``lease``), only a running task that worker holds (that claim).
        A task whose dependencies have not all succeeded goes to ``blocked`` instead; a failed
        or cancelled one brings back its dependency-cancelled dependants to ``blocked``.
        ``Conflict`` while another live task holds its unique key, or a dependency of it is
        failed or cancelled."""

    async def task_cancel(self, ref: str, message: str | None) -> Task:
        """A queued, scheduled, blocked or running task becomes ``cancelled`` at once with
        reason ``cancelled`` and ``message`` in ``error``; the ``task.cancelled`` event
        carries the ``worker`` that held it. A terminal task is ``Conflict``."""

    async def task_reschedule(self, ref: str, delay: float | None, run_at: float | None) -> Task:
        """Move a queued or scheduled task to a new due time (``delay`` seconds from now, or
        ``run_at`` unix seconds): ``scheduled`` if it is in the future, else ``queued``
        (``Conflict`` from any other status). Event ``task.rescheduled``."""

    async def queue_requeue_failed(self, queue: str, reason: str | None) -> int:
        """The dead-letter redrive: every failed task of ``queue`` (those with ``reason``
        when given) back to ``queued`` as ``task_requeue`` does; how many."""

    async def task_events(self, ref: str) -> list[Event]:
        """The task's timeline, oldest first: ``[{seq, at, type, attempt?, worker?,
        detail?}]``."""

    async def promote_due(self) -> int:
        """Promote every scheduled task whose ``run_at`` has come to ``queued`` and expire
        those past ``expires_at``, serving waiting claims; how many were promoted. The engine
        calls it itself on its timer; the suite calls it after moving the clock."""

    async def task_rerun(self, ref: str) -> Task: ...
    async def task_get(self, ref: str) -> Task: ...
    async def task_list(self, where: TaskFilter, limit: int, offset: int) -> dict[str, Any]:
        """``{tasks, total, limit_applied, truncated, max_limit}``, newest first."""

    async def task_update(self, ref: str, changes: dict[str, Any]) -> Task:
        """Change a queued task: ``payload_json``, ``priority``, ``timeout``, ``tool``."""

    async def task_delete(self, ref: str) -> dict[str, Any]:
        """Delete a task; ``Conflict`` while blocked tasks wait for it."""

    # -- workers: the runners connected now ------------------------------------------------
    async def worker_join(self, hello: Hello) -> dict[str, Any]:
        """Record the runner on connection ``hello.id`` (again: replaced); the Worker
        ``{id, name, host, pid, queues, tools, concurrency, running, connected_at,
        last_seen_at}``. Publishes ``worker.joined``."""

    async def worker_seen(self, worker_id: str, at: float) -> None:
        """The connection was last heard from at ``at`` (unix seconds)."""

    async def worker_leave(self, worker_id: str) -> None:
        """The connection closed: forget its row (``worker.left``; nothing if none)."""

    async def worker_list(self) -> list[dict[str, Any]]:
        """Every runner connected now (to any daemon of the database), oldest first, each
        with the ids of the tasks running under its name."""

    # -- schedules --------------------------------------------------------------------------
    # A Schedule is ``{id, name, queue_id, queue_name, tool, cron, every, timezone, payload,
    # task_class, timeout, priority, max_attempts, overlap, catch_up, enabled, next_run_at,
    # last_run_at, last_task_id, runs, missed, created_at, updated_at}``; refs are an id or a
    # name. Timing was validated (``policy.schedules``); slots come from
    # ``policy.schedules.next_after`` and a firing follows ``policy.schedules.plan``: its task
    # (with ``schedule_id`` and ``scheduled_for``) and the new ``next_run_at`` commit together,
    # once per slot however many daemons try. Events ``schedule.created|updated|deleted|fired|
    # missed`` (topic ``schedule``). The engine fires on a timer at the earliest
    # ``next_run_at`` (on PostgreSQL the leader only), and at open with ``catch_up``.
    async def schedule_create(self, spec: dict[str, Any]) -> dict[str, Any]: ...
    async def schedule_list(self, queue: str | None) -> list[dict[str, Any]]: ...
    async def schedule_get(self, ref: str) -> dict[str, Any]: ...
    async def schedule_update(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]: ...
    async def schedule_set_enabled(self, ref: str, enabled: bool) -> dict[str, Any]: ...
    async def schedule_delete(self, ref: str) -> dict[str, Any]: ...
    async def schedule_run(self, ref: str) -> dict[str, Any]:
        """Fire now, once: ``{schedule, task}``; the next slot stays."""

    async def fire_schedules(self) -> int:
        """Fire every due schedule now (the suite calls it after moving the clock); how many
        tasks were enqueued."""

    # -- catalogue --------------------------------------------------------------------------
    def tools(self) -> list[dict[str, Any]]:
        """The tools, from the engine's cache (kept fresh across daemons)."""

    def task_classes(self) -> list[dict[str, Any]]: ...
    async def catalog_seed(
        self, task_classes: dict[str, dict[str, Any]], tools: dict[str, dict[str, Any]]
    ) -> bool:
        """Fill an empty catalogue from the config; True when it did."""

    async def tool_upsert(
        self, name: str, task_class: str, description: str | None, command: list[str] | None
    ) -> dict[str, Any]:
        """Create or replace a tool; a None ``description`` keeps the tool's current one
        (empty for a new tool)."""

    async def tool_delete(self, name: str) -> dict[str, Any]: ...
    async def task_class_upsert(
        self,
        name: str,
        timeout: float,
        description: str | None,
        max_attempts: int | None = None,
        backoff: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create or replace a task class; ``max_attempts`` and ``backoff`` (None: not set)
        are the defaults of its tasks and appear in the class only when set."""

    async def task_class_delete(self, name: str) -> dict[str, Any]: ...
    async def prompt_list(self) -> list[dict[str, Any]]: ...
    async def prompt_get(self, command: str) -> dict[str, Any]: ...
    async def prompt_create(
        self, command: str, label: str, template_text: str, description: str | None
    ) -> dict[str, Any]: ...
    async def prompt_update(self, command: str, changes: dict[str, Any]) -> dict[str, Any]: ...
    async def prompt_delete(self, command: str) -> dict[str, Any]: ...

    # -- agent roles ------------------------------------------------------------------------
    async def role_list(self) -> list[dict[str, Any]]:
        """Every role ``{key, label, description, prompt, active, updated_at}`` by key."""

    async def role_get(self, key: str) -> dict[str, Any]:
        """One role; ``NotFound`` naming the key."""

    async def role_upsert(
        self, key: str, label: str, description: str, prompt: str, active: bool
    ) -> dict[str, Any]:
        """Create or replace a role (event ``role.upserted``)."""

    async def role_delete(self, key: str) -> dict[str, Any]:
        """Delete a role; ``Conflict`` while a queue names it (tasks keep the key)."""

    # -- settings and audit -----------------------------------------------------------------
    async def settings_seed(self, defaults: dict[str, dict[str, Any]]) -> None:
        """Add the keys the store does not hold yet (set values win over the file)."""

    async def settings_load(self) -> dict[str, dict[str, Any]]: ...
    async def setting_set(self, namespace: str, key: str, value: Any) -> dict[str, Any]:
        """Store the value and an audit entry; ``{namespace, key, value}``."""

    async def config_sync(self, wanted: dict[str, Any]) -> dict[str, Any]:
        """Apply the config file's values (``{"ns.key" | "tools.X" | "task_classes.X" |
        "roles.X": value}``) except those changed over the protocol since the file's last value was
        applied: ``{applied: [{key, old, new}], kept: [{key, value, file, reason}],
        unchanged: n}``."""

    async def audit_list(self, limit: int) -> list[dict[str, Any]]: ...

    # -- access tokens (TCP listener) -------------------------------------------------------
    # Only the SHA-256 digest (hex) of a secret is stored; the secret never reaches the store.
    async def token_create(self, name: str, scope: str, digest: str) -> dict[str, Any]:
        """Store a token; ``{name, scope, created_at}``. A name in use raises ``Conflict``."""

    async def token_list(self) -> list[dict[str, Any]]:
        """Every token as ``{name, scope, created_at}``, by name (never a digest)."""

    async def token_revoke(self, name: str) -> dict[str, Any]:
        """Delete the token; ``{name, scope, created_at, revoked: true}``; ``NotFound``."""

    async def token_find(self, digest: str) -> dict[str, Any] | None:
        """``{name, scope, digest}`` of the token with this digest, or None."""

    # -- webhooks (``sparkq_daemon.webhooks``) ---------------------------------------------
    # Every committed event a webhook matches (``webhooks.rules.matches``) gets one row in the
    # delivery outbox inside the transaction that committed it: a delivery is never lost.
    async def webhook_create(
        self, url: str, events: list[str] | None, queue: str | None, secret: str
    ) -> dict[str, Any]:
        """Store a webhook (``queue``: an id or name, ``NotFound`` if unknown); the Webhook
        ``{id, url, events, queue_id, queue, created_at}`` (never the secret). Event
        ``webhook.created``."""

    async def webhook_list(self) -> list[dict[str, Any]]: ...
    async def webhook_delete(self, ref: str) -> dict[str, Any]:
        """Delete the webhook and its deliveries; event ``webhook.deleted``; ``NotFound``."""

    async def webhook_deliveries(self, webhook: str | None, limit: int) -> list[dict[str, Any]]:
        """The delivery log, newest first: ``{id, webhook_id, event, status ("pending" |
        "delivered" | "failed"), attempts, last_status, last_error, next_attempt_at,
        delivered_at, created_at}``."""

    async def webhook_redeliver(self, delivery: str) -> dict[str, Any]:
        """The delivery back to ``pending``, due now, with all its attempts again."""

    async def webhook_due(
        self, limit: int, lease: float
    ) -> tuple[list[dict[str, Any]], float | None]:
        """Take up to ``limit`` due pending deliveries for ``lease`` seconds (no other daemon
        gets them meanwhile): ``([{id, webhook_id, event, payload, attempts, url, secret}],
        seconds until the next pending one is due, or None)``."""

    async def webhook_record(
        self,
        delivery: str,
        attempts: int,
        status_code: int | None,
        error: str | None,
        retry_in: float | None,
    ) -> None:
        """The outcome of attempt ``attempts + 1`` of a delivery taken at ``attempts``:
        delivered (``error`` None), due again in ``retry_in`` seconds, or failed for good."""

    async def webhook_count(self) -> int: ...
    async def webhook_purge(self, older_than_s: float) -> int:
        """Delete delivered and failed deliveries last changed more than ``older_than_s``
        ago; how many."""

    # -- maintenance ------------------------------------------------------------------------
    async def sweep(self) -> SweepOutcome:
        """Warn running tasks silent for 1× their timeout; fail those silent for 2× (an
        attempt: retried as ``task_finish`` would, reason ``stale`` when it ends the task);
        expire queued and scheduled tasks past ``expires_at``."""

    async def purge(self, older_than_s: float) -> int:
        """Delete succeeded, failed and cancelled tasks finished more than ``older_than_s`` ago (in
        chunks), except those a blocked task names; how many."""

    async def stats(self) -> dict[str, Any]:
        """``{tasks: {status: n}, queues: n, sessions: n, db_bytes}``."""

    async def queue_throughput(self, ref: str | None, minutes: int) -> list[dict[str, Any]]:
        """Per queue (``ref``'s, or every queue): ``{id, name, counts, total,
        oldest_queued}``, ``counts`` the tasks that succeeded or failed in each of the last
        ``minutes`` minutes (oldest first); ``oldest_queued`` ``{friendly_id, created_at,
        waited_s, class_timeout, overdue}`` or None."""

    async def oldest_queued(self) -> dict[str, str]:
        """``{queue name: created_at}`` of the oldest queued task of each queue that has one
        (``/metrics``' queue age; read at each scrape, so it must stay an index probe)."""
