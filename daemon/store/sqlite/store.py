"""``SqliteStore``: the Store protocol over the single-writer ``Database``.

Each operation hands one synchronous store function to the group commit (``write``) or the
read connection (``read``); the functions themselves are in this package, one module per
concern. Waiting claims are standing claims served inside the writer's transaction."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sparkq_daemon import clock as wall
from sparkq_daemon.clock import Clock, iso_from_unix
from sparkq_daemon.errors import RpcError
from sparkq_daemon.store.base import (
    ClaimParams,
    EnqueueItem,
    EventSink,
    FinishParams,
    SweepOutcome,
    Task,
    TaskFilter,
)
from sparkq_daemon.store.live import Hello
from sparkq_daemon.store.sqlite import (
    catalog,
    config_sync,
    due,
    limits,
    logs,
    maintenance,
    progress,
    queues,
    roles,
    schedules,
    sessions,
    settings,
    task_lookup,
    task_queries,
    tasks,
    throughput,
    timeline,
    tokens,
    workers,
)
from sparkq_daemon.store.sqlite.database import Database
from sparkq_daemon.store.sqlite.due_timer import DueTimer
from sparkq_daemon.store.sqlite.standing import Standing, StandingClaims
from sparkq_daemon.store.sqlite.tx import Tx
from sparkq_daemon.store.sqlite.webhook_store import SqliteWebhooks


class SqliteStore(SqliteWebhooks):
    """The embedded engine: one daemon, one file, group commit."""

    engine = "sqlite"

    def __init__(self, path: Path, synchronous: str = "FULL", clock: Clock | None = None) -> None:
        """``clock`` gives every write its time (tests inject a fake one)."""
        self.path = path
        self.clock = clock or wall.now  # looked up now: a test may pin sparkq_daemon.clock.now
        self.db = Database(path, synchronous, self.clock)
        self.standing = StandingClaims(on_slot=self._slot_at)
        self.slot_timer: DueTimer | None = None  # wakes waiting claims when a rate slot opens
        self.schedule_timer: DueTimer | None = None  # fires schedules at their next slot
        self.db.handoff = self.standing.serve
        self._sink: EventSink = lambda events: None
        self.db.on_commit = self._committed
        self.due_timer: DueTimer | None = None

    @property
    def on_commit(self) -> EventSink:
        return self._sink

    @on_commit.setter
    def on_commit(self, sink: EventSink) -> None:
        self._sink = sink

    def _committed(self, events: list[dict[str, Any]]) -> None:
        """After each commit: wake the due timer for newly scheduled tasks, then publish."""
        if self.due_timer is not None:
            for event in events:
                if event.get("status") == "scheduled" and "run_at" in event:
                    self.due_timer.note(due.unix(event["run_at"]))
                elif event.get("topic") == "schedule" and event.get("next_run_at"):
                    self._schedule_at(due.unix(event["next_run_at"]))
        self._sink(events)

    # -- engine -----------------------------------------------------------------------------
    async def open(self) -> None:
        await self.db.open()
        await self.db.write(workers.forget_all)
        self.due_timer = DueTimer(self.clock, self._promote_for_timer)
        self.due_timer.note(await self.db.read(due.earliest))
        self.slot_timer = DueTimer(self.clock, self._slot_open)
        # Schedules due while the daemon was down fire once now (or are skipped: catch_up).
        fired = await self.db.write(schedules.fire_due, True)
        self.schedule_timer = DueTimer(self.clock, self._fire_for_timer)
        self.schedule_timer.note(fired["next"])

    async def close(self) -> None:
        if self.due_timer is not None:
            await self.due_timer.close()
        if self.slot_timer is not None:
            await self.slot_timer.close()
        if self.schedule_timer is not None:
            await self.schedule_timer.close()
        await self.db.close()

    async def _promote_for_timer(self) -> float | None:
        return (await self.db.write(due.promote_now))["next"]

    def _slot_at(self, at: float) -> None:
        if self.slot_timer is not None:
            self.slot_timer.note(at)

    async def _slot_open(self) -> None:
        """A rate-limited queue has a free slot: serve the waiting claims (they note the
        next slot again if they still wait)."""
        self.standing.kick()
        await self.db.write(_nothing)

    def _schedule_at(self, at: float) -> None:
        if self.schedule_timer is not None:
            self.schedule_timer.note(at)

    async def _fire_for_timer(self) -> float | None:
        return (await self.db.write(schedules.fire_due))["next"]

    async def fire_schedules(self) -> int:
        done = await self.db.write(schedules.fire_due)
        if done["next"] is not None:
            self._schedule_at(done["next"])
        return done["fired"]

    # -- schedules --------------------------------------------------------------------------
    async def schedule_create(self, spec: dict[str, Any]) -> dict[str, Any]:
        return await self.db.write(schedules.create, spec)

    async def schedule_list(self, queue: str | None) -> list[dict[str, Any]]:
        return (await self.db.read(schedules.list_, queue))["schedules"]

    async def schedule_get(self, ref: str) -> dict[str, Any]:
        return await self.db.read(schedules.get, ref)

    async def schedule_update(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        return await self.db.write(schedules.update, ref, changes)

    async def schedule_set_enabled(self, ref: str, enabled: bool) -> dict[str, Any]:
        return await self.db.write(schedules.set_enabled, ref, enabled)

    async def schedule_delete(self, ref: str) -> dict[str, Any]:
        return await self.db.write(schedules.delete, ref)

    async def schedule_run(self, ref: str) -> dict[str, Any]:
        return await self.db.write(schedules.run_now, ref)

    async def promote_due(self) -> int:
        done = await self.db.write(due.promote_now)
        if self.due_timer is not None:
            self.due_timer.note(done["next"])
        return len(done["promoted"])

    def describe(self) -> dict[str, Any]:
        return {"engine": self.engine, "db_path": str(self.path), "leader": True}

    def database_settings(self) -> dict[str, Any]:
        return {"synchronous": self.db.synchronous}

    def leads(self) -> bool:
        return True

    async def backup_to(self, target: Path) -> None:
        await self.db.backup_to(target)

    def db_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                total += os.path.getsize(f"{self.path}{suffix}")
        return total

    # -- sessions ---------------------------------------------------------------------------
    async def session_create(self, name: str, description: str | None) -> dict[str, Any]:
        return await self.db.write(sessions.create, name, description or "")

    async def session_list(self, status: str | None) -> list[dict[str, Any]]:
        return (await self.db.read(sessions.list_, status))["sessions"]

    async def session_get(self, ref: str) -> dict[str, Any]:
        return await self.db.read(sessions.get, ref)

    async def session_end(self, ref: str) -> dict[str, Any]:
        return await self.db.write(sessions.end, ref)

    async def session_delete(self, ref: str) -> dict[str, Any]:
        await self._delete_tasks_of(session=ref)
        return await self.db.write(sessions.delete, ref)

    async def _delete_tasks_of(self, session: str | None = None, queue: str | None = None) -> None:
        """Empty a queue (or a session's queues) chunk by chunk before the row itself goes,
        so no single commit holds the writer for a whole cascade."""
        ids = await self.db.read(maintenance.queue_ids, session, queue)
        if ids:
            await self.db.write(maintenance.release_dependants, ids)
        chunk = maintenance.DELETE_CHUNK
        while ids and await self.db.write(maintenance.delete_tasks_chunk, ids) == chunk:
            pass

    # -- queues -----------------------------------------------------------------------------
    async def queue_create(
        self,
        name: str,
        session: str,
        instructions: str | None,
        role: str | None = None,
        model_profile: str | None = None,
    ) -> dict[str, Any]:
        return await self.db.write(
            queues.create, name, session, instructions or "", role, model_profile
        )

    async def queue_list(
        self, session: str | None, status: str | None, include_archived: bool
    ) -> list[dict[str, Any]]:
        return (await self.db.read(queues.list_, session, status, include_archived))["queues"]

    async def queue_get(self, ref: str) -> dict[str, Any]:
        return await self.db.read(queues.get, ref)

    async def queue_update(
        self,
        ref: str,
        name: str | None,
        instructions: str | None,
        role: str | None = None,
        model_profile: str | None = None,
    ) -> dict[str, Any]:
        return await self.db.write(queues.update, ref, name, instructions, role, model_profile)

    async def queue_set_state(self, ref: str, state: str | None, event: str) -> dict[str, Any]:
        return await self.db.write(queues.set_state, ref, state, event)

    async def queue_set_limits(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        def configure(tx: Tx) -> dict[str, Any]:
            limits.configure(tx, ref, changes)
            return queues.touch(tx, ref, "queue.updated")

        return await self.db.write(configure)

    async def claim_blocked(self, queue: str) -> dict[str, Any]:
        return await self.db.read(limits.why_blocked, queue, self.clock()[0])

    async def queue_set_paused(self, ref: str, paused: bool) -> dict[str, Any]:
        return await self.db.write(queues.set_paused, ref, paused)

    async def queue_delete(self, ref: str) -> dict[str, Any]:
        await self._delete_tasks_of(queue=ref)
        return await self.db.write(queues.delete, ref)

    # -- tasks ------------------------------------------------------------------------------
    async def task_enqueue(self, queue: str, items: Sequence[EnqueueItem]) -> list[Task]:
        return await self.db.write(tasks.enqueue, queue, list(items))

    async def task_peek(self, queue: str) -> Task | None:
        return await self.db.read(task_queries.peek, queue)

    async def task_claim(self, params: ClaimParams) -> Task | None:
        standing: list[Standing] = []
        claim = self._claimer(params, standing)
        task = await self.db.write(claim)
        if task is None and standing:
            task = await self._wait_for_handoff(standing[0], params)
        return task

    def _claimer(self, params: ClaimParams, standing: list[Standing]) -> Callable[[Tx], Any]:
        """The write that claims for ``params``; when it finds nothing and may wait, it
        registers a standing claim in ``standing``."""
        tools = list(params.tools) if params.tools is not None else None
        waits = params.wait > 0 and params.id is None
        waits = waits and not any(event.is_set() for event in params.give_up)

        def attempt(tx: Tx) -> Task | None:
            # Inside the writer: registering the standing claim in the same step that found
            # nothing leaves no gap for an enqueue to slip through unseen.
            task = tasks.claim(tx, params.queue, params.id, params.worker, tools)
            # A group may run twice (see Database._apply): register once, and withdraw the
            # registration if the second run finds a task after all.
            if task is None and waits and not standing:
                # Stands by the queue's id: a rename while it waits must not lose the queue.
                queue = queues.cached(tx, params.queue)["id"] if params.queue else None
                standing.append(self.standing.add(queue, params.worker, tools))
            elif task is not None and standing:
                self.standing.withdraw(standing.pop())
            return task

        return attempt

    async def task_finish_and_claim(
        self, params: FinishParams, claim: ClaimParams
    ) -> tuple[Task, Task | None, Exception | None]:
        standing: list[Standing] = []
        attempt = self._claimer(claim, standing)
        p = params

        def finish_then_claim(tx: Tx) -> tuple[Task, Task | None, Exception | None]:
            done = tasks.finish(tx, p)
            try:
                # A claim refuses (unknown queue) before it writes: the finish stands.
                return done, attempt(tx), None
            except RpcError as exc:
                return done, None, exc

        done, task, refused = await self.db.write(finish_then_claim)
        if task is None and standing:
            task = await self._wait_for_handoff(standing[0], claim)
        return done, task, refused

    async def _wait_for_handoff(self, standing: Standing, params: ClaimParams) -> Task | None:
        """Wait up to ``params.wait`` seconds for the writer to hand a task to ``standing``."""
        watchers = [asyncio.ensure_future(event.wait()) for event in params.give_up]
        try:
            await asyncio.wait(
                [standing.future, *watchers],
                timeout=params.wait,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for watcher in watchers:
                watcher.cancel()
            self.standing.withdraw(standing)
        if standing.future.cancelled():
            return None
        return standing.future.result()

    async def task_heartbeat(
        self, ref: str, worker: str | None, attempt: int | None = None, lease: int | None = None
    ) -> Task:
        return await self.db.write(tasks.heartbeat, ref, worker, attempt, lease)

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
        return await self.db.write(
            progress.report, ref, worker, attempt, percent, message, announce, lease
        )

    async def task_log(
        self,
        ref: str,
        worker: str | None,
        attempt: int | None,
        stream: str,
        text: str,
        lease: int | None = None,
    ) -> dict[str, Any]:
        return await self.db.write(logs.append, ref, worker, attempt, stream, text, lease)

    async def task_logs(self, ref: str, after: int, limit: int) -> dict[str, Any]:
        return await self.db.read(logs.page, ref, after, limit)

    # -- workers (runners connected now) ----------------------------------------------------
    async def worker_join(self, hello: Hello) -> dict[str, Any]:
        return await self.db.write(workers.join, hello)

    async def worker_seen(self, worker_id: str, at: float) -> None:
        await self.db.write(workers.seen, worker_id, at)

    async def worker_leave(self, worker_id: str) -> None:
        await self.db.write(workers.leave, worker_id)

    async def worker_list(self) -> list[dict[str, Any]]:
        return await self.db.read(workers.list_)

    async def task_finish(self, params: FinishParams) -> Task:
        return await self.db.write(tasks.finish, params)

    async def task_requeue(
        self,
        ref: str,
        worker: str | None = None,
        attempt: int | None = None,
        lease: int | None = None,
    ) -> Task:
        return await self.db.write(tasks.requeue, ref, worker, attempt, lease)

    async def task_cancel(self, ref: str, message: str | None) -> Task:
        return await self.db.write(tasks.cancel, ref, message)

    async def task_reschedule(self, ref: str, delay: float | None, run_at: float | None) -> Task:
        return await self.db.write(tasks.reschedule, ref, delay, run_at)

    async def queue_requeue_failed(self, queue: str, reason: str | None) -> int:
        return await self.db.write(tasks.requeue_failed, queue, reason)

    async def task_events(self, ref: str) -> list[dict[str, Any]]:
        return (await self.db.read(timeline.list_, ref))["events"]

    async def task_rerun(self, ref: str) -> Task:
        return await self.db.write(tasks.rerun, ref)

    async def task_get(self, ref: str) -> Task:
        return await self.db.read(task_lookup.get, ref)

    async def task_list(self, where: TaskFilter, limit: int, offset: int) -> dict[str, Any]:
        w = where
        return await self.db.read(
            task_queries.list_, w.queue, w.session, w.statuses, w.tool, w.search, limit, offset
        )

    async def task_update(self, ref: str, changes: dict[str, Any]) -> Task:
        return await self.db.write(tasks.update, ref, changes)

    async def task_delete(self, ref: str) -> dict[str, Any]:
        return await self.db.write(tasks.delete, ref)

    # -- catalogue --------------------------------------------------------------------------
    def tools(self) -> list[dict[str, Any]]:
        return catalog.list_tools(self.db.catalog)["tools"]

    def task_classes(self) -> list[dict[str, Any]]:
        return catalog.list_task_classes(self.db.catalog)["task_classes"]

    async def catalog_seed(
        self, task_classes: dict[str, dict[str, Any]], tools: dict[str, dict[str, Any]]
    ) -> bool:
        return await self.db.write(catalog.seed, task_classes, tools)

    async def tool_upsert(
        self, name: str, task_class: str, description: str | None, command: list[str] | None
    ) -> dict[str, Any]:
        return await self.db.write(catalog.upsert_tool, name, task_class, description, command)

    async def tool_delete(self, name: str) -> dict[str, Any]:
        return await self.db.write(catalog.delete_tool, name)

    async def task_class_upsert(
        self,
        name: str,
        timeout: float,
        description: str | None,
        max_attempts: int | None = None,
        backoff: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return await self.db.write(
            catalog.upsert_task_class, name, timeout, description or "", max_attempts, backoff
        )

    async def task_class_delete(self, name: str) -> dict[str, Any]:
        return await self.db.write(catalog.delete_task_class, name)

    async def prompt_list(self) -> list[dict[str, Any]]:
        return (await self.db.read(catalog.list_prompts))["prompts"]

    async def prompt_get(self, command: str) -> dict[str, Any]:
        return await self.db.read(catalog.get_prompt, command)

    async def prompt_create(
        self, command: str, label: str, template_text: str, description: str | None
    ) -> dict[str, Any]:
        return await self.db.write(
            catalog.create_prompt, command, label, template_text, description or ""
        )

    async def prompt_update(self, command: str, changes: dict[str, Any]) -> dict[str, Any]:
        return await self.db.write(catalog.update_prompt, command, changes)

    async def prompt_delete(self, command: str) -> dict[str, Any]:
        return await self.db.write(catalog.delete_prompt, command)

    async def role_list(self) -> list[dict[str, Any]]:
        return await self.db.read(roles.list_)

    async def role_get(self, key: str) -> dict[str, Any]:
        return await self.db.read(roles.get, key)

    async def role_upsert(
        self, key: str, label: str, description: str, prompt: str, active: bool
    ) -> dict[str, Any]:
        return await self.db.write(roles.upsert, key, label, description, prompt, active)

    async def role_delete(self, key: str) -> dict[str, Any]:
        return await self.db.write(roles.delete, key)

    # -- settings and audit -----------------------------------------------------------------
    async def settings_seed(self, defaults: dict[str, dict[str, Any]]) -> None:
        await self.db.write(settings.seed, defaults)

    async def settings_load(self) -> dict[str, dict[str, Any]]:
        return await self.db.read(settings.load)

    async def setting_set(self, namespace: str, key: str, value: Any) -> dict[str, Any]:
        return await self.db.write(settings.set_value, namespace, key, value)

    async def config_sync(self, wanted: dict[str, Any]) -> dict[str, Any]:
        return await self.db.write(config_sync.sync, wanted)

    async def audit_list(self, limit: int) -> list[dict[str, Any]]:
        return (await self.db.read(settings.list_audit, limit))["entries"]

    # -- access tokens ----------------------------------------------------------------------
    async def token_create(self, name: str, scope: str, digest: str) -> dict[str, Any]:
        return await self.db.write(tokens.create, name, scope, digest)

    async def token_list(self) -> list[dict[str, Any]]:
        return await self.db.read(tokens.list_all)

    async def token_revoke(self, name: str) -> dict[str, Any]:
        return await self.db.write(tokens.revoke, name)

    async def token_find(self, digest: str) -> dict[str, Any] | None:
        return await self.db.read(tokens.find, digest)

    # -- maintenance ------------------------------------------------------------------------
    async def sweep(self) -> SweepOutcome:
        outcome = await self.db.write(maintenance.sweep)
        return SweepOutcome(**outcome)

    async def purge(self, older_than_s: float) -> int:
        ts, _ = self.clock()
        cutoff = iso_from_unix(ts - timedelta(seconds=older_than_s).total_seconds())
        total = 0
        while True:
            deleted = await self.db.write(maintenance.purge, cutoff)
            total += deleted
            if deleted < maintenance.PURGE_CHUNK:
                return total

    async def stats(self) -> dict[str, Any]:
        counts = await self.db.read(maintenance.stats)
        return {**counts, "db_bytes": self.db_bytes()}

    async def queue_throughput(self, ref: str | None, minutes: int) -> list[dict[str, Any]]:
        ts, _ = self.clock()
        return await self.db.read(throughput.throughput, ref, minutes, ts)

    async def oldest_queued(self) -> dict[str, str]:
        return await self.db.read(maintenance.oldest_queued)


def _nothing(tx: Tx) -> None:
    """An empty write: its group commit serves the standing claims."""
