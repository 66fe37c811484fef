"""``PgStore``: the Store protocol on PostgreSQL, for several daemons sharing one database.

Per-request transactions on a small asyncpg pool (PostgreSQL already shares WAL flushes
between concurrent commits); the hot paths are one statement each. Around them: a LISTEN
connection (wake-ups, other daemons' events, catalogue changes), this daemon's standing
claims, and a leadership lease for the periodic jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson

from sparkq_daemon.errors import Conflict, RpcError
from sparkq_daemon.ids import new_id
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
from sparkq_daemon.store.postgres import (
    batched_finish,
    batching,
    catalog,
    config_sync,
    due,
    flow_enqueue,
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
from sparkq_daemon.store.postgres.db import FAULTS, PgDatabase, describe_fault
from sparkq_daemon.store.postgres.dependencies import NeedsTransaction
from sparkq_daemon.store.postgres.due_timer import DueTimer
from sparkq_daemon.store.postgres.leader import Leadership
from sparkq_daemon.store.postgres.listener import Listener
from sparkq_daemon.store.postgres.schema import SchemaTooNew, migrate
from sparkq_daemon.store.postgres.waiting import Waiter, Waiting
from sparkq_daemon.store.postgres.webhook_store import PgWebhooks

log = logging.getLogger("sparkq.store")


class StoreUnavailable(RuntimeError):
    """The database cannot be used: the message names the problem in one line."""


def _unix(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def next_wait(tasks: Sequence[Task]) -> float | None:
    """Seconds (database time) until the earliest due time or expiry among ``tasks``, each
    measured from the database time of the write that returned it."""
    waits = []
    for t in tasks:
        if t["status"] not in ("queued", "scheduled"):
            continue
        written = _unix(t["updated_at"])
        if t["status"] == "scheduled" and t.get("run_at"):
            waits.append(_unix(t["run_at"]) - written)
        if t.get("expires_at"):
            waits.append(_unix(t["expires_at"]) - written)
    return min(waits) if waits else None


def redact(url: str) -> str:
    """The URL without its password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unparsable URL)"
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{hostinfo}"))


async def _greet(conn: asyncpg.Connection, daemon_id: str) -> None:
    """Tell the daemons already running that one more listens (they notify it from now)."""
    await conn.execute("SELECT pg_notify('sparkq_hello', $1)", daemon_id)


class PgStore(PgWebhooks):
    """The PostgreSQL engine."""

    engine = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self.daemon_id = new_id("dmn")
        self.db = PgDatabase(url, self.daemon_id)
        self.db.on_ready = self._woken
        self.enqueues = batching.Batcher(
            lambda queue, requests: batching.enqueue_together(self.db, queue, requests)
        )
        self.reports = batching.Batcher(
            lambda key, reports: batched_finish.finish_and_claim_together(self.db, key, reports),
            in_flight=batched_finish.IN_FLIGHT,
        )
        self._sink: EventSink = lambda events: None
        self.db.on_commit = self._committed
        self.on_gap: Callable[[], None] = lambda: None
        self.waiting = Waiting(self._serve_waiter, self._give_back)
        self.wakeups = limits.Wakeups(self.waiting.poke)
        self.listener = Listener(
            url,
            {
                "sparkq_ready": lambda payload: self.waiting.poke({payload}),
                "sparkq_events": self._foreign_events,
                "sparkq_catalog": self._catalog_changed,
                "sparkq_hello": self._greeted,
            },
            self._reconnected,
        )
        self.leadership = Leadership(self.db, self.daemon_id)
        self.due = DueTimer(self._settle)
        # Schedules fire on the leader only, at their next slot; a new leader first applies
        # catch_up to the slots missed meanwhile.
        self.schedule_timer = DueTimer(self._fire_for_timer)
        self._caught_up = False
        self.leadership.on_lead = self._started_leading
        self.migrated_from: int | None = None
        self._reloads: set[asyncio.Task[None]] = set()

    @property
    def on_commit(self) -> EventSink:
        return self.db.on_commit

    @on_commit.setter
    def on_commit(self, sink: EventSink) -> None:
        self._sink = sink

    def _committed(self, events: list[dict[str, Any]]) -> None:
        """Events of this daemon's commits and of the others': a task ending may free a
        concurrency slot a waiting claim needs."""
        self.wakeups.seen(events)
        if self.leads():
            for event in events:
                if event.get("topic") == "schedule" and event.get("next_run_at"):
                    wait = _unix(event["next_run_at"]) - _unix(event["at"])
                    self.schedule_timer.note(wait)
        self._sink(events)

    # -- engine -----------------------------------------------------------------------------
    async def open(self) -> None:
        where = redact(self.url)
        try:
            conn = await asyncpg.connect(self.url, timeout=10)
            try:
                before, after = await migrate(conn)
            finally:
                await conn.close()
            if before != after:
                self.migrated_from = before
                log.info("migrated the database from schema version %d to %d", before, after)
            await self.db.open()
            await self.listener.start()  # listening before the catalogue is read: no gap
            self.db.catalog = await self.db.read(catalog.load)
            await self.leadership.start()  # our row in ``daemons`` first, then the greeting
            await self.db.read(_greet, self.daemon_id)
            self.due.note(await self.db.read(due.next_wait))
        except SchemaTooNew as exc:
            await self._release()
            raise StoreUnavailable(f"PostgreSQL at {where}: {exc}") from None
        except (*FAULTS, ValueError, asyncpg.ClientConfigurationError) as exc:
            await self._release()
            cause = describe_fault(exc) if str(exc) else type(exc).__name__
            if isinstance(exc, TimeoutError):
                cause = "no answer within 10 s"
            raise StoreUnavailable(f"cannot use PostgreSQL at {where}: {cause}") from None

    async def _release(self) -> None:
        self.wakeups.close()
        await self.schedule_timer.close()
        await self.due.close()
        await self.waiting.close()
        await self.leadership.close()
        await self.listener.close()
        await self.db.close()

    async def close(self) -> None:
        for task in list(self._reloads):
            task.cancel()
        await self._release()

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "database_url": redact(self.url),
            "daemon_id": self.daemon_id,
            "leader": self.leads(),
            "daemons": self.leadership.daemons,
        }

    def database_settings(self) -> dict[str, Any]:
        return {"url": redact(self.url)}

    def leads(self) -> bool:
        return self.leadership.leads()

    async def backup_to(self, target: Path) -> None:
        raise Conflict(
            "backups are a SQLite feature; this daemon's database is PostgreSQL: copy it "
            f"with pg_dump (pg_dump '{redact(self.url)}' > sparkq.sql)"
        )

    # -- notifications ----------------------------------------------------------------------
    def _woken(self, queue_ids: set[str]) -> None:
        self.waiting.poke(queue_ids)

    def _foreign_events(self, payload: str) -> None:
        message = orjson.loads(payload)
        if message.get("o") == self.daemon_id:
            return  # published at commit already
        if message.get("gap"):
            self.on_gap()
            return
        for event in message["e"]:  # another daemon scheduled a task: due here too
            if event.get("run_at") and event.get("status") == "scheduled":
                self.due.note(_unix(event["run_at"]) - _unix(event["at"]))
        # Marked remote: this daemon's metrics count only its own writes.
        self.on_commit([{**event, "remote": True} for event in message["e"]])

    def _greeted(self, payload: str) -> None:
        if payload != self.daemon_id:
            self.leadership.greeted()

    def _catalog_changed(self, payload: str) -> None:
        if payload != self.daemon_id:
            self._reload_catalog()

    def _reload_catalog(self) -> None:
        task = asyncio.create_task(self._do_reload())
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def _do_reload(self) -> None:
        try:
            self.db.catalog = await self.db.read(catalog.load)
        except Exception as exc:
            log.warning("reloading the catalogue failed: %s", exc)

    def _reconnected(self) -> None:
        """Notifications may have been lost: resynchronise everything they carry."""
        self.on_gap()
        self._reload_catalog()
        self.waiting.poke(None)

    # -- sessions ---------------------------------------------------------------------------
    async def session_create(self, name: str, description: str | None) -> dict[str, Any]:
        return await self.db.write(sessions.create, name, description or "")

    async def session_list(self, status: str | None) -> list[dict[str, Any]]:
        return await self.db.read(sessions.list_, status)

    async def session_get(self, ref: str) -> dict[str, Any]:
        return await self.db.read(sessions.get, ref)

    async def session_end(self, ref: str) -> dict[str, Any]:
        return await self.db.write(sessions.end, ref)

    async def session_delete(self, ref: str) -> dict[str, Any]:
        await self._delete_tasks_of(session=ref)
        return await self.db.write(sessions.delete, ref)

    async def _delete_tasks_of(self, session: str | None = None, queue: str | None = None) -> None:
        """Empty a queue (or a session's queues) chunk by chunk before the row itself goes."""
        ids = await self.db.read(queues.ids_of, session, queue)
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
        return await self.db.read(queues.list_, session, status, include_archived)

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
        return await self.db.write(limits.configure, ref, changes)

    async def claim_blocked(self, queue: str) -> dict[str, Any]:
        return await self.db.read(limits.why_blocked, queue)

    async def queue_set_paused(self, ref: str, paused: bool) -> dict[str, Any]:
        return await self.db.write(queues.set_paused, ref, paused)

    async def queue_delete(self, ref: str) -> dict[str, Any]:
        await self._delete_tasks_of(queue=ref)
        return await self.db.write(queues.delete, ref)

    # -- tasks ------------------------------------------------------------------------------
    async def task_enqueue(self, queue: str, items: Sequence[EnqueueItem]) -> list[Task]:
        if flow_enqueue.needs_transaction(items):
            found = await self.db.write(flow_enqueue.enqueue, queue, list(items))
        else:
            found = await self.enqueues.submit(queue, list(items))
        if any(t["status"] == "queued" for t in found):
            self.waiting.poke({found[0]["queue_id"]})
        self.due.note(next_wait(found))
        return found

    async def task_peek(self, queue: str) -> Task | None:
        return await self.db.read(task_queries.peek, queue)

    async def _claim_once(
        self, queue: str | None, task_id: str | None, worker: str | None, tools: Any
    ) -> Task | None:
        if self.due.overdue():  # promoted (and expired) first, once a due time has come
            await self._settle()
        noted: dict[str, Any] = {}
        try:
            found = await self.db.run(tasks.claim, queue, task_id, worker, tools, 1, noted)
        finally:
            self.wakeups.note(noted)
        return found[0] if found else None

    async def task_claim(self, params: ClaimParams) -> Task | None:
        tools = list(params.tools) if params.tools is not None else None
        waits = params.wait > 0 and params.id is None
        waits = waits and not any(event.is_set() for event in params.give_up)
        if not waits:
            return await self._claim_once(params.queue, params.id, params.worker, tools)
        # Registered before the first attempt: a wake-up during it is not lost.
        waiter = self.waiting.add(params.queue, params.worker, params.tools or None)
        if params.queue is not None:  # held by id: a rename while it waits keeps the queue
            waiter.queue_id = await self._queue_id(params.queue)
        try:
            # Attempts of its own only while the standing claims are not serving it: one
            # claimer, at most one task.
            while not (waiter.serving or waiter.future.done()):
                waiter.attempting, waiter.poked = True, False
                try:
                    queue = waiter.queue_id or params.queue
                    task = await self._claim_once(queue, None, params.worker, tools)
                finally:
                    waiter.attempting = False
                if task is not None:
                    return task
                if not waiter.poked:
                    break
            return await self._wait(waiter, params)
        finally:
            self.waiting.withdraw(waiter)

    async def _queue_id(self, ref: str) -> str | None:
        with contextlib.suppress(Exception):
            return (await self.db.read(queues.find, ref))["id"]
        return None

    async def _wait(self, waiter: Waiter, params: ClaimParams) -> Task | None:
        """Wait up to ``params.wait`` seconds for the standing claim to be served."""
        watchers = [asyncio.ensure_future(event.wait()) for event in params.give_up]
        try:
            await asyncio.wait(
                [waiter.future, *watchers],
                timeout=params.wait,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for watcher in watchers:
                watcher.cancel()
        if not waiter.future.done() and waiter.serving:
            waiter.closing = True  # an attempt for it is in flight: take what it brings
            await asyncio.wait([waiter.future])
        if waiter.future.done() and not waiter.future.cancelled():
            return waiter.future.result()
        return None

    async def _serve_waiter(self, waiter: Waiter) -> Task | None:
        queue = waiter.queue_id or waiter.queue
        tools = list(waiter.tools) if waiter.tools else None
        return await self._claim_once(queue, None, waiter.worker, tools)

    async def _give_back(self, task: Task) -> None:
        await self.task_requeue(task["id"])

    async def task_heartbeat(
        self, ref: str, worker: str | None, attempt: int | None = None, lease: int | None = None
    ) -> Task:
        return await self.db.read(tasks.heartbeat, ref, worker, attempt, lease)

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
        if announce:
            return await self.db.write(
                progress.announce, ref, worker, attempt, percent, message, lease
            )
        return await self.db.read(progress.report, ref, worker, attempt, percent, message, lease)

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
        return await self.db.write(workers.join, self.daemon_id, hello)

    async def worker_seen(self, worker_id: str, at: float) -> None:
        await self.db.read(workers.seen, worker_id, at)

    async def worker_leave(self, worker_id: str) -> None:
        await self.db.write(workers.leave, worker_id)

    async def worker_list(self) -> list[dict[str, Any]]:
        return await self.db.read(workers.list_)

    async def task_finish(self, params: FinishParams) -> Task:
        try:
            done = await self.db.run(tasks.finish, params)
        except NeedsTransaction:  # others depend on it: resolved in its transaction
            done = await self.db.write(tasks.finish_in_tx, params)
            await self._note_due()
        self.due.note(next_wait([done]))
        return done

    async def _note_due(self) -> None:
        """Arm the due timer for what a write may have scheduled beyond its own task (a
        dependant unblocked before its ``run_at``)."""
        self.due.note(await self.db.read(due.next_wait))

    async def task_finish_and_claim(
        self, params: FinishParams, claim: ClaimParams
    ) -> tuple[Task, Task | None, Exception | None]:
        tools = list(claim.tools) if claim.tools is not None else None
        if claim.queue is not None and batched_finish.combinable(params):
            answer = await self.reports.submit(
                (claim.queue, tuple(tools) if tools else None),
                batched_finish.Report(params, claim.worker),
            )
            if answer is not None:
                return await self._after_finish(claim, tools, *answer)
        noted: dict[str, Any] = {}
        try:
            done, following, refused = await self.db.run(
                tasks.finish_and_claim, params, claim.queue, claim.worker, tools, noted
            )
        except NeedsTransaction:  # others depend on it: resolved in its transaction
            done, following, refused = await self.db.write(
                tasks.finish_and_claim_in_tx, params, claim.queue, claim.worker, tools, noted
            )
            await self._note_due()
        self.wakeups.note(noted)
        return await self._after_finish(claim, tools, done, following, refused)

    async def _after_finish(
        self, claim: ClaimParams, tools: Any, done: Task, following: Any, refused: Any
    ) -> tuple[Task, Task | None, Exception | None]:
        self.due.note(next_wait([done]))
        if following is batched_finish.CLAIM_SEPARATELY:  # a queue with limits
            following = None
            try:
                following = await self._claim_once(claim.queue, None, claim.worker, tools)
            except RpcError as exc:
                refused = exc
        if following is None and refused is None and claim.wait > 0:
            # Nothing claimable now: the finish is committed; wait as task.claim would.
            following = await self.task_claim(claim)
        return done, following, refused

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
        task = await self.db.write(tasks.reschedule, ref, delay, run_at)
        self.due.note(next_wait([task]))
        return task

    async def queue_requeue_failed(self, queue: str, reason: str | None) -> int:
        return await self.db.write(tasks.requeue_failed, queue, reason)

    async def task_events(self, ref: str) -> list[dict[str, Any]]:
        return await self.db.read(timeline.list_, ref)

    def _started_leading(self) -> None:
        self._caught_up = False
        self.schedule_timer.note(0.0)

    async def _fire_for_timer(self) -> float | None:
        if not self.leads():
            return None  # the leader fires; this daemon's timer wakes again if it leads
        done = await self.db.write(schedules.fire_due, not self._caught_up)
        self._caught_up = True
        return done["next_in"]

    async def fire_schedules(self) -> int:
        done = await self.db.write(schedules.fire_due, False)
        self.schedule_timer.note(done["next_in"])
        return done["fired"]

    # -- schedules --------------------------------------------------------------------------
    async def schedule_create(self, spec: dict[str, Any]) -> dict[str, Any]:
        return await self.db.write(schedules.create, spec)

    async def schedule_list(self, queue: str | None) -> list[dict[str, Any]]:
        return await self.db.read(schedules.list_, queue)

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
        return len((await self._settle_now())["promoted"])

    async def _settle(self) -> float | None:
        """The due timer's write: the seconds until the next due moment."""
        return (await self._settle_now())["next"]

    async def _settle_now(self) -> dict[str, Any]:
        """Promote and expire what is due now, then arm the timer for the next moment."""
        self.due.reset()
        settled = await self.db.write(due.settle)
        self.due.note(settled["next"])
        return settled

    async def task_rerun(self, ref: str) -> Task:
        queue_id, item = await self.db.read(tasks.rerun_item, ref)
        return (await self.task_enqueue(queue_id, [item]))[0]

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
        return catalog.list_tools(self.db.catalog)

    def task_classes(self) -> list[dict[str, Any]]:
        return catalog.list_task_classes(self.db.catalog)

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
        return await self.db.read(catalog.list_prompts)

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
        return await self.db.read(settings.list_audit, limit)

    # -- tokens ---------------------------------------------------------------------------
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
        self.due.note(outcome["next"])
        return SweepOutcome(
            warned=outcome["warned"],
            failed=outcome["failed"],
            retried=outcome["retried"],
            expired=outcome["expired"],
        )

    async def purge(self, older_than_s: float) -> int:
        total = 0
        while True:
            deleted = await self.db.write(maintenance.purge, older_than_s)
            total += deleted
            if deleted < maintenance.PURGE_CHUNK:
                return total

    async def queue_throughput(self, ref: str | None, minutes: int) -> list[dict[str, Any]]:
        return await self.db.read(throughput.throughput, ref, minutes)

    async def oldest_queued(self) -> dict[str, str]:
        return await self.db.read(maintenance.oldest_queued)

    async def stats(self) -> dict[str, Any]:
        return await self.db.read(maintenance.stats)
