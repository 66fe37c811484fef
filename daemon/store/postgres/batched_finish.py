"""Completions combined: the reports of several runners in ONE statement (one round trip, one
commit), a guarded ``UPDATE … FROM unnest`` completing them all and, for ``claim_next`` of
one queue, a ``FOR UPDATE SKIP LOCKED LIMIT n`` claim for those that completed, the rows
handed out to their workers in order.

Only the plain case is combined: a completion (not a failure) naming its task by id, of a
task no other depends on. Every other request, and a request whose completion the batch's
guards refused, gets ``None``: it takes the one-request path, which gives its precise
answer (the refusal, or the dependants' resolution in one transaction). A queue with limits
is claimed from afterwards, through the limiter (``CLAIM_SEPARATELY``)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import asyncpg

from sparkq_daemon.errors import NotFound
from sparkq_daemon.ids import seq_of_task_id
from sparkq_daemon.store.base import FinishParams
from sparkq_daemon.store.postgres import rows, timeline
from sparkq_daemon.store.postgres.db import PgDatabase
from sparkq_daemon.store.postgres.tasks import (
    _CLAIM_SET,
    _NOT_EXPIRED,
    _RETURN,
    EVENTS_WANTED,
    moved_cte,
)

_COMPLETED = rows.task_event_sql("'task.completed'", "d")
_CLAIMED = rows.task_event_sql("'task.claimed'", "c")
_SENT = "(SELECT n FROM sent) AS _sent"

# One statement, one commit: the completions, with the same guards as the one-request
# completion (``tasks._complete`` with ``_guard``: running, that holder or none, that attempt
# and lease, no dependants); then ``tasks.CLAIM_FROM_QUEUE`` for as many as completed ($10 the
# queue, $11 the tools), the claimed rows in queue order going to the completers' workers in order;
# count deltas, timeline rows and the events (``sparkq_notify_events``) of both.
FINISH_AND_CLAIM_MANY = f"""
WITH r AS (
    SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::int[], $9::int[]) WITH ORDINALITY
        AS r(seq, id, result, stdout, stderr, worker, attempt, lease, ord)
), d AS (
    UPDATE tasks t SET status = 'succeeded', result = r.result, error = NULL,
        stdout = COALESCE(r.stdout, t.stdout), stderr = COALESCE(r.stderr, t.stderr),
        finished_at = now(), updated_at = now(), events = t.events + 1
    FROM r
    WHERE t.seq = r.seq AND t.id = r.id AND t.status = 'running'
      AND (r.worker IS NULL OR t.worker IS NULL OR t.worker = r.worker)
      AND (r.attempt IS NULL OR t.attempts = r.attempt)
      AND (r.lease IS NULL OR t.lease = r.lease) AND NOT t.dependants
    RETURNING {_RETURN}
), {moved_cte("'running'", "'succeeded'", "dk", "d")},
{timeline.cte("'succeeded'", "dev", "d")},
w AS (
    SELECT array_agg(r.worker ORDER BY r.ord) AS names FROM r JOIN d ON d.seq = r.seq
), q AS (
    SELECT id, paused, state, (concurrency IS NOT NULL OR rate_limit IS NOT NULL) AS limited
    FROM queues WHERE id = $10 OR name = $10
    ORDER BY id = $10 DESC LIMIT 1
), next AS MATERIALIZED (
    SELECT t.seq FROM tasks t
    WHERE t.queue_id = (SELECT id FROM q) AND t.status = 'queued' AND {_NOT_EXPIRED}
      AND EXISTS (SELECT 1 FROM q WHERE NOT q.paused AND q.state IS DISTINCT FROM 'archived'
                  AND NOT q.limited)
      AND ($11::text[] IS NULL OR t.tool = ANY($11::text[]))
    ORDER BY t.priority DESC, t.seq LIMIT (SELECT count(*) FROM d)
    FOR UPDATE SKIP LOCKED
), c AS (
    {
    _CLAIM_SET.replace(
        "worker = $2,",
        "worker = (SELECT names FROM w)[array_position("
        "(SELECT array_agg(seq ORDER BY seq) FROM next), t.seq)],",
    )
}
    FROM next WHERE t.seq = next.seq AND t.status = 'queued' RETURNING {_RETURN}
), {moved_cte("'queued'", "'running'", "ck")},
{timeline.cte("'claimed'", "cev")},
sent AS (
    SELECT CASE WHEN {EVENTS_WANTED} THEN sparkq_notify_events($1,
        (SELECT array_agg(({_COMPLETED})::text ORDER BY d.seq) FROM d)
        || (SELECT array_agg(({_CLAIMED})::text ORDER BY c.seq) FROM c)) END AS n
)
SELECT 'done' AS kind, NULL::text AS qid, NULL::boolean AS qlimited, {_SENT}, d.*,
       (SELECT name FROM queues WHERE queues.id = d.queue_id) AS queue_name
FROM d
UNION ALL
SELECT 'next', q.id, q.limited, {_SENT}, c.*,
       (SELECT name FROM queues WHERE queues.id = c.queue_id)
FROM q LEFT JOIN c ON true
"""

IN_FLIGHT = 1  # statements per (queue, tools) at once (measured: 1 beat 2 and 4)
CLAIM_SEPARATELY = object()  # the queue has limits: the caller claims through the limiter


@dataclass(frozen=True, slots=True)
class Report:
    """One ``task.complete`` with ``claim_next``: the completion and the claiming worker."""

    params: FinishParams
    worker: str | None


def combinable(params: FinishParams) -> bool:
    """Whether a report may join a batch (else it takes the one-request path)."""
    return params.status == "succeeded" and seq_of_task_id(params.ref) is not None


async def _finish_and_claim_many(
    conn: asyncpg.Connection,
    origin: str | None,
    queue: str,
    tools: list[str] | None,
    reports: list[Report],
) -> tuple[list[Any], list[dict[str, Any]]]:
    """(answers, events) for ``reports`` (distinct tasks): per report ``None`` (not
    completed here) or (finished task, next task or None or ``CLAIM_SEPARATELY``, refusal)."""
    ps = [r.params for r in reports]
    found = await conn.fetch(
        FINISH_AND_CLAIM_MANY,
        origin,
        [seq_of_task_id(p.ref) for p in ps],
        [p.ref for p in ps],
        [p.result_json for p in ps],
        [p.stdout for p in ps],
        [p.stderr for p in ps],
        [p.worker for p in ps],
        [p.attempt for p in ps],
        [p.lease for p in ps],
        queue,
        tools,
    )
    by_seq = {r["seq"]: rows.task(r) for r in found if r["kind"] == "done"}
    finished = [by_seq.get(seq_of_task_id(p.ref)) for p in ps]
    events = [rows.task_event("task.completed", t) for t in finished if t is not None]
    heads = [r for r in found if r["kind"] == "next"]
    claimed: list[dict[str, Any]] = []
    limited = refused = None
    if not heads:
        refused = NotFound(f"queue {queue!r} does not exist", id=queue)
    elif heads[0]["qlimited"]:
        limited = CLAIM_SEPARATELY
    else:
        claimed = [rows.task(r) for r in heads if r["id"] is not None]
        events += [rows.task_event("task.claimed", t) for t in claimed]
    answers: list[Any] = []
    for report, task in zip(reports, finished, strict=True):
        if task is None:
            answers.append(None)
            continue
        following = limited
        for i, candidate in enumerate(claimed):
            if candidate["worker"] == report.worker:
                following = claimed.pop(i)
                break
        answers.append((task, following, refused))
    return answers, events


async def finish_and_claim_together(
    db: PgDatabase, key: Hashable, reports: list[Report]
) -> list[Any]:
    """The batch function of ``key`` = (queue, tools): one statement for the reports of
    distinct tasks; a report repeating a task already in the batch takes the one-request
    path (``None``)."""
    queue, tools = key  # type: ignore[misc]
    refs: set[str] = set()
    distinct = []
    for report in reports:
        if report.params.ref not in refs:
            refs.add(report.params.ref)
            distinct.append(report)
    answers = await db.run(_finish_and_claim_many, queue, list(tools) if tools else None, distinct)
    out = dict(zip(map(id, distinct), answers, strict=True))
    return [out.get(id(r)) for r in reports]
