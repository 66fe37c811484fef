"""Enqueue with unique keys or dependencies on PostgreSQL: one transaction, item by item.

Plain items take the one-statement path (``tasks.enqueue``); these need reads in the same
transaction: the live holder of a key, the status of each dependency (locked by the UPDATE
that marks it ``dependants``). Same-key enqueuers take a transaction-scoped advisory lock on
(queue, key) first, so the loser of a race sees the winner's committed task instead of
tripping over the unique index, which stays the guarantee (``ON CONFLICT DO NOTHING``
and a fresh look cover a task requeued into the key meanwhile)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict, NotFound
from sparkq_daemon.policy import backoff as backoff_policy
from sparkq_daemon.store import flow
from sparkq_daemon.store.base import EnqueueItem
from sparkq_daemon.store.postgres import dependencies, rows, timeline, timing
from sparkq_daemon.store.postgres.db import Tx
from sparkq_daemon.store.postgres.task_lookup import QUEUE_NAME, match
from sparkq_daemon.store.postgres.tasks import NOW, resolve

_KEY_LOCK = "SELECT pg_advisory_xact_lock(hashtext('sparkq.unique_key'), hashtext($1 || ':' || $2))"

INSERT = f"""
WITH n AS (
    SELECT nextval('tasks_seq_seq') AS seq,
           nextval(('qn_' || substr($1, 5))::regclass) AS number
)
INSERT INTO tasks (seq, id, friendly_id, queue_id, tool, task_class, payload, status, priority,
                   timeout, created_at, updated_at, run_at, max_attempts, backoff, expires_at,
                   unique_key, depends_on, blocked_by, reason, error, finished_at, role)
SELECT n.seq, 'tsk_' || to_hex(n.seq) || $2,
       $3 || '-' || lpad(n.number::text, greatest(4, length(n.number::text)), '0'),
       $1, $4, $5, $6,
       CASE WHEN $7::text IS NOT NULL THEN $7::text
            WHEN to_timestamp($10) > now() THEN 'scheduled' ELSE 'queued' END,
       $8, $9, now(), now(), to_timestamp($10), $11, $12, to_timestamp($13), $14, $15::text[],
       $16::text[], CASE WHEN $7::text = 'cancelled' THEN 'dependency' END, $17::text,
       CASE WHEN $7::text = 'cancelled' THEN now() END, $18::text
FROM n
ON CONFLICT (queue_id, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('queued', 'scheduled', 'blocked', 'running')
    DO NOTHING
RETURNING seq, {rows.TASK_COLUMNS}, {QUEUE_NAME}
"""

_MARK = "UPDATE tasks SET dependants = true WHERE {clause} RETURNING seq, id, friendly_id, status"


# The batch's edges, the dependencies it names that are new in it, and the timeline rows of
# the tasks it blocked or cancelled: written once each at the end (a chain of a thousand
# items is then one INSERT per item, not five round trips).
_EDGES = (
    "INSERT INTO task_deps (dep_seq, task_seq) SELECT * FROM unnest($1::bigint[], $2::bigint[]) "
    "ON CONFLICT DO NOTHING"
)
_MARK_NEW = "UPDATE tasks SET dependants = true WHERE seq = ANY($1::bigint[]) AND NOT dependants"
_TIMELINE = f"""
WITH n AS (
    UPDATE tasks SET events = events + 1 WHERE seq = ANY($1::bigint[]) RETURNING seq, events
)
INSERT INTO task_events ({timeline.COLUMNS})
SELECT n.seq, n.events, now(), r.type, NULL, NULL, r.detail
FROM n JOIN unnest($1::bigint[], $2::text[], $3::text[]) AS r(seq, type, detail) ON r.seq = n.seq
"""


@dataclass
class _Pending:
    edges: list[tuple[int, int]] = field(default_factory=list)
    named_new: set[int] = field(default_factory=set)
    timeline: list[tuple[int, str, str]] = field(default_factory=list)

    async def write(self, tx: Tx) -> None:
        if self.edges:
            await tx.conn.execute(_EDGES, [e[0] for e in self.edges], [e[1] for e in self.edges])
        if self.named_new:
            await tx.conn.execute(_MARK_NEW, sorted(self.named_new))
        if self.timeline:
            rows_ = self.timeline
            await tx.conn.execute(
                _TIMELINE, [r[0] for r in rows_], [r[1] for r in rows_], [r[2] for r in rows_]
            )


def needs_transaction(items: Sequence[EnqueueItem]) -> bool:
    """Whether an enqueue takes this path (a unique key or a dependency among the items)."""
    return any(it.unique_key is not None or it.depends_on for it in items)


async def _queue(tx: Tx, ref: str) -> asyncpg.Record:
    queue = await tx.conn.fetchrow(
        "SELECT id, name, prefix, state FROM queues WHERE id = $1 OR name = $1 "
        "ORDER BY id = $1 DESC LIMIT 1 FOR SHARE",
        ref,
    )
    if queue is None:
        raise NotFound(f"queue {ref!r} does not exist", id=ref)
    if queue["state"] in ("ended", "archived"):
        raise Conflict(
            f"queue {queue['name']!r} is {queue['state']}; no task can be enqueued into it",
            status=queue["state"],
        )
    return queue


async def _dependency(tx: Tx, ref: str) -> tuple[int, str, str, str]:
    """(seq, id, friendly id, status) of an existing task, marked as named (and locked)."""
    clause, args = match(ref)
    row = await tx.conn.fetchrow(_MARK.format(clause=clause), *args)
    if row is None:
        raise NotFound(f"task {ref!r} does not exist", id=ref)
    return row["seq"], row["id"], row["friendly_id"], row["status"]


async def enqueue(tx: Tx, queue_ref: str, items: Sequence[EnqueueItem]) -> list[dict[str, Any]]:
    """Create ``items`` in one queue, all or none; an item whose key a live task holds (or
    an earlier item of the batch) returns that task with ``duplicate: True``."""
    queue = await _queue(tx, queue_ref)
    now: float = await tx.conn.fetchval(NOW)
    results: list[dict[str, Any]] = []
    seqs: list[int] = []
    keys: dict[str, int] = {}
    pending = _Pending()
    for index, item in enumerate(items):
        key = item.unique_key
        if key is not None and key in keys:
            results.append({**results[keys[key]], "duplicate": True})
            seqs.append(seqs[keys[key]])
            continue
        task, seq = await _one(tx, queue, now, item, results, seqs, pending)
        if key is not None:
            keys[key] = index
        results.append(task)
        seqs.append(seq)
    await pending.write(tx)
    return results


async def _one(
    tx: Tx,
    queue: asyncpg.Record,
    now: float,
    item: EnqueueItem,
    earlier: list[dict[str, Any]],
    earlier_seqs: list[int],
    pending: _Pending,
) -> tuple[dict[str, Any], int]:
    """Create one item (or find the live holder of its key): (task, its seq)."""
    cls, timeout, class_spec = resolve(tx.catalog, item.tool, item.task_class, item.timeout)
    if item.unique_key is not None:
        await tx.conn.execute(_KEY_LOCK, queue["id"], item.unique_key)
        holder = await dependencies.key_holder(tx.conn, queue["id"], item.unique_key)
        if holder is not None:
            return {**rows.task(holder), "duplicate": True}, holder["seq"]
    due = expires = None
    if timing.has_timing(item):
        due, expires = timing.item_timing(now, item)
    deps: list[tuple[int, str, str, str]] = []
    for entry in item.depends_on:
        if isinstance(entry, int):
            t = earlier[entry]
            deps.append((earlier_seqs[entry], t["id"], t["friendly_id"], t["status"]))
            pending.named_new.add(earlier_seqs[entry])
        else:
            deps.append(await _dependency(tx, entry))
    verdict, blocked_by, error = flow.verdict(d[1:] for d in deps)
    backoff = item.backoff or class_spec.get("backoff") or backoff_policy.DEFAULT
    row = await tx.conn.fetchrow(
        INSERT,
        queue["id"],
        secrets.token_hex(3),
        queue["prefix"],
        item.tool,
        cls,
        item.payload_json,
        verdict,
        item.priority or 0,
        timeout,
        due,
        item.max_attempts or class_spec.get("max_attempts") or 1,
        rows.encode(backoff),
        expires,
        item.unique_key,
        [d[1] for d in deps] if deps else None,
        blocked_by if deps else None,
        error,
        item.role,
    )
    if row is None:  # a task requeued into the key since we looked: it is the live one now
        holder = await dependencies.key_holder(tx.conn, queue["id"], item.unique_key or "")
        if holder is None:
            raise Conflict(f"unique_key {item.unique_key!r} is contended; try again")
        return {**rows.task(holder), "duplicate": True}, holder["seq"]
    task = rows.task(row)
    task["payload"] = item.payload
    tx.moved(queue["id"], None, task["status"])
    if task["status"] == "queued":
        tx.wake(queue["id"])
    tx.events.append(rows.task_event("task.enqueued", task))
    if deps:
        pending.edges += [(d[0], row["seq"]) for d in deps]
        if task["status"] == "blocked":
            detail: dict[str, Any] = {"blocked_by": blocked_by}
            pending.timeline.append((row["seq"], "blocked", rows.encode(detail) or ""))
        elif task["status"] == "cancelled":
            detail = {"reason": "dependency", "error": error}
            pending.timeline.append((row["seq"], "cancelled", rows.encode(detail) or ""))
    return task, row["seq"]
