"""task.*"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from sparkq_daemon import python_call
from sparkq_daemon.context import Context
from sparkq_daemon.errors import Validation
from sparkq_daemon.methods.roles import check_role
from sparkq_daemon.policy import backoff as backoff_policy
from sparkq_daemon.registry import rpc
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams, TaskFilter
from sparkq_daemon.store.values import MAX_UNIQUE_KEY, TASK_STATUSES
from sparkq_daemon.tool_settings import takes_pickles
from sparkq_daemon.validation import Field, check_name, check_params, optional, required, show

MAX_PAYLOAD = 1024 * 1024
MAX_BATCH = 1000
MAX_WAIT = 60
MAX_ATTEMPTS = 100
FAIL_REASONS = ("error", "timeout")
DEAD_REASONS = ("error", "timeout", "stale", "expired", "dependency", "cancelled")

ITEM = {
    "tool": required("name"),
    "payload": optional("any"),
    "task_class": optional("name"),
    "timeout": optional("number", min=0.001),
    "priority": optional("int", 0),
    "delay": optional("number", min=0),
    "run_at": optional("str"),
    "max_attempts": optional("int", min=1, max=MAX_ATTEMPTS),
    "backoff": optional("any"),
    "ttl": optional("number"),
    "expires_at": optional("str"),
    "unique_key": optional("str"),
    "depends_on": optional("list"),
    "role": optional("name"),
}
MAX_DEPENDENCIES = 1000
ATTEMPT = optional("int", min=1)
LEASE = optional("int", min=1)  # v2: the claim's lease, a fence that never repeats


def parse_time(value: str, field: str) -> float:
    """An ISO 8601 time with an explicit offset, as unix seconds."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise Validation(
            f"{field} {show(value)} is not an ISO 8601 time (like 2026-12-24T09:00:00+00:00)",
            field=field,
        ) from None
    if when.tzinfo is None:
        raise Validation(
            f"{field} {show(value)} has no UTC offset; add one (like +00:00)", field=field
        )
    return when.timestamp()


def one_of(params: dict[str, Any], first: str, second: str) -> None:
    """Refuse ``first`` and ``second`` given together."""
    if params.get(first) is not None and params.get(second) is not None:
        raise Validation(
            f"give {first} ({show(params[first])}) or {second} ({show(params[second])}), not both",
            field=second,
        )


def due_members(params: dict[str, Any]) -> tuple[float | None, float | None]:
    """(delay, run_at as unix seconds) of a request that takes ``delay | run_at``."""
    one_of(params, "delay", "run_at")
    run_at = params.get("run_at")
    return params.get("delay"), parse_time(run_at, "run_at") if run_at is not None else None


def encode_json(value: Any, field: str, limit: int | None = MAX_PAYLOAD) -> str | None:
    """The JSON text of ``value``, refusing what cannot be encoded or exceeds ``limit``."""
    if value is None:
        return None
    try:
        data = orjson.dumps(value)
    except TypeError as exc:
        raise Validation(f"{field} cannot be stored as JSON: {exc}", field=field) from None
    if limit is not None and len(data) > limit:
        raise Validation(
            f"{field} is {len(data)} bytes encoded; the limit is {limit} bytes (1 MiB)",
            field=field,
        )
    return data.decode()


def _unique_key(value: str | None) -> str | None:
    if value is not None and not 1 <= len(value) <= MAX_UNIQUE_KEY:
        raise Validation(
            f"unique_key {show(value)} is {len(value)} characters; a key has 1 to {MAX_UNIQUE_KEY}",
            field="unique_key",
        )
    return value


def _depends_on(value: list[Any] | None, index: int | None) -> tuple[str | int, ...]:
    """Task ids (or friendly ids), and in a batch (item ``index``) indexes of earlier items."""
    if not value:
        return ()
    if len(value) > MAX_DEPENDENCIES:
        raise Validation(
            f"depends_on names {len(value)} tasks; the limit is {MAX_DEPENDENCIES}",
            field="depends_on",
        )
    for entry in value:
        if isinstance(entry, int) and not isinstance(entry, bool):
            if index is None:
                raise Validation(
                    f"depends_on entry {entry} is an index; indexes name earlier items of "
                    "task.enqueue_batch only: give a task id",
                    field="depends_on",
                )
            if entry == index:
                raise Validation(
                    f"depends_on entry {entry} is this item itself; a task cannot depend on itself",
                    field="depends_on",
                )
            if not 0 <= entry < index:
                earlier = f"0 to {index - 1}" if index else "none: it is the first"
                raise Validation(
                    f"depends_on entry {entry} is not an earlier item of the batch ({earlier})",
                    field="depends_on",
                )
        elif not isinstance(entry, str) or not entry.strip():
            raise Validation(f"depends_on entry {show(entry)} is not a task id", field="depends_on")
    return tuple(dict.fromkeys(value))


def _item(
    params: dict[str, Any], index: int | None = None, pickle_tools: frozenset[str] = frozenset()
) -> EnqueueItem:
    payload = params.get("payload")
    tool = params["tool"]
    python_call.check_tool_payload(tool, tool in pickle_tools, payload)
    delay, run_at = due_members(params)
    one_of(params, "ttl", "expires_at")
    ttl = params.get("ttl")
    if ttl is not None and ttl <= 0:
        raise Validation(f"ttl {show(ttl)} must be above 0 seconds", field="ttl")
    expires_at = params.get("expires_at")
    backoff = params.get("backoff")
    return EnqueueItem(
        tool=params["tool"],
        payload=payload,
        payload_json=encode_json(payload, "payload"),
        task_class=params.get("task_class"),
        timeout=params.get("timeout"),
        priority=params.get("priority") or 0,
        delay=delay,
        run_at=run_at,
        max_attempts=params.get("max_attempts"),
        backoff=backoff_policy.check(backoff) if backoff is not None else None,
        ttl=ttl,
        expires_at=parse_time(expires_at, "expires_at") if expires_at is not None else None,
        unique_key=_unique_key(params.get("unique_key")),
        depends_on=_depends_on(params.get("depends_on"), index),
        role=params.get("role"),
    )


@rpc("task.enqueue", queue=required("ref"), **ITEM)
async def enqueue(ctx: Context, queue: str, **item: Any) -> dict[str, Any]:
    """Add a task to a queue: the tool that runs it (run-bash, run-python, an LLM tool …) and
    its payload (``{"script": …}``, ``{"prompt": …}``), and the agent role it takes if any;
    returns the task (with ``duplicate: true`` when a live task of the queue already holds its
    ``unique_key``)."""
    await check_role(ctx, item.get("role"))
    pickle_tools = _pickle_tools(ctx, [item])
    tasks = await ctx.store.task_enqueue(queue, [_item(item, pickle_tools=pickle_tools)])
    return _with_duplicate(tasks[0])


def _pickle_tools(ctx: Context, items: list[Any]) -> frozenset[str]:
    """Those of the tools ``items`` name with ``pickle: true`` (from the store's catalogue
    cache; only the tools named are read: every enqueue asks). Items not yet checked: a name
    that is not a string is left to the item's own check."""
    named = {i["tool"] for i in items if isinstance(i, dict) and isinstance(i.get("tool"), str)}
    return frozenset(
        t["name"] for t in ctx.store.tools() if t["name"] in named and takes_pickles(t)
    )


def _with_duplicate(task: dict[str, Any]) -> dict[str, Any]:
    task.setdefault("duplicate", False)
    return task


@rpc("task.enqueue_batch", queue=required("ref"), tasks=required("list"))
async def enqueue_batch(ctx: Context, queue: str, tasks: list[Any]) -> dict[str, Any]:
    """Add 1–1000 tasks to a queue at once, all or none; each item is ``{tool, payload?,
    task_class?, timeout?, priority?, unique_key?, depends_on?}``; one result per item, in
    order, each with ``duplicate``."""
    if not 1 <= len(tasks) <= MAX_BATCH:
        raise Validation(
            f"tasks holds {len(tasks)} items; a batch takes 1 to {MAX_BATCH}", field="tasks"
        )
    items = []
    pickle_tools = _pickle_tools(ctx, tasks)
    for index, raw in enumerate(tasks):
        if not isinstance(raw, dict):
            raise Validation(f"tasks[{index}] must be an object, not {show(raw)}", field="tasks")
        try:
            items.append(_item(check_params(ITEM, raw), index, pickle_tools))
        except Validation as exc:
            raise Validation(f"tasks[{index}]: {exc.message}", field="tasks", index=index) from None
    for role in sorted({item.role for item in items if item.role}):
        await check_role(ctx, role)
    return {"tasks": [_with_duplicate(t) for t in await ctx.store.task_enqueue(queue, items)]}


@rpc("task.peek", queue=required("ref"))
async def peek(ctx: Context, queue: str) -> dict[str, Any]:
    """The task a claim on the queue would take next, without taking it (or null)."""
    return {"task": await ctx.store.task_peek(queue)}


@rpc(
    "task.claim",
    queue=optional("ref"),
    id=optional("ref"),
    worker=optional("str"),
    wait=optional("number", 0, min=0, max=MAX_WAIT),
    tools=optional("list"),
)
async def claim(
    ctx: Context,
    wait: float,
    queue: str | None = None,
    id: str | None = None,
    worker: str | None = None,
    tools: list[Any] | None = None,
) -> dict[str, Any]:
    params = _claim_params(ctx, queue, id, worker, tools, wait)
    task = await _delivered(ctx, await ctx.store.task_claim(params))
    if task is None and queue is not None and id is None and not ctx.daemon.stopping.is_set():
        # Why nothing came: paused, a limit (with when a slot opens), or nothing due.
        return {"task": None, "blocked": await ctx.store.claim_blocked(queue)}
    return {"task": task}


def _claim_params(
    ctx: Context,
    queue: str | None,
    id: str | None,
    worker: str | None,
    tools: list[Any] | None,
    wait: float,
) -> ClaimParams:
    if tools is not None:
        for name in tools:
            check_name(name, "tools")
    give_up = [ctx.daemon.stopping] + ([ctx.peer.closed] if ctx.peer is not None else [])
    if ctx.peer is not None:
        ctx.daemon.claimers.add(ctx.peer)
    return ClaimParams(
        queue=queue,
        id=id,
        worker=worker,
        tools=tuple(tools) if tools is not None else None,
        wait=wait,
        give_up=give_up,
    )


async def _delivered(ctx: Context, task: dict[str, Any] | None) -> dict[str, Any] | None:
    """``task`` if its claimer is still connected; otherwise it is given back (rather than
    stranded) and None."""
    if task is not None and ctx.peer is not None and ctx.peer.closed.is_set():
        await ctx.store.task_requeue(task["id"])
        return None
    return task


CLAIM_NEXT = {
    "queue": optional("ref"),
    "tools": optional("list"),
    "wait": optional("number", 0, min=0, max=MAX_WAIT),
}


async def _finish(ctx: Context, finish: FinishParams, claim_next: Any) -> dict[str, Any]:
    """task.complete / task.fail: the finished Task, or with ``claim_next`` ``{task, next}``
    from one commit."""
    if claim_next is None:
        return await ctx.store.task_finish(finish)
    if not isinstance(claim_next, dict):
        raise Validation(
            f"claim_next must be an object, not {show(claim_next)}", field="claim_next"
        )
    try:
        wanted = check_params(CLAIM_NEXT, claim_next)
    except Validation as exc:
        raise Validation(f"claim_next: {exc.message}", field="claim_next") from None
    claim = _claim_params(
        ctx, wanted.get("queue"), None, finish.worker, wanted.get("tools"), wanted["wait"]
    )
    task, following, refused = await ctx.store.task_finish_and_claim(finish, claim)
    reply: dict[str, Any] = {"task": task, "next": await _delivered(ctx, following)}
    if refused is not None:
        reply["next_error"] = refused.to_wire()
    return reply


@rpc(
    "task.heartbeat",
    id=required("ref"),
    worker=optional("str"),
    attempt=ATTEMPT,
    lease=LEASE,
)
async def heartbeat(
    ctx: Context,
    id: str,
    worker: str | None = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    return await ctx.store.task_heartbeat(id, worker, attempt, lease)


@rpc(
    "task.complete",
    id=required("ref"),
    result=optional("any"),
    stdout=optional("str"),
    stderr=optional("str"),
    worker=optional("str"),
    claim_next=optional("any"),
    attempt=ATTEMPT,
    lease=LEASE,
)
async def complete(
    ctx: Context,
    id: str,
    result: Any = None,
    stdout: str | None = None,
    stderr: str | None = None,
    worker: str | None = None,
    claim_next: Any = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    result_json = encode_json(result, "result", limit=None)
    finish = FinishParams(
        id, "succeeded", result_json, None, stdout, stderr, worker, attempt=attempt, lease=lease
    )
    return await _finish(ctx, finish, claim_next)


@rpc(
    "task.fail",
    id=required("ref"),
    error=required("str"),
    stdout=optional("str"),
    stderr=optional("str"),
    worker=optional("str"),
    claim_next=optional("any"),
    attempt=ATTEMPT,
    lease=LEASE,
    retry=optional("bool", True),
    reason=optional("str", "error", choices=FAIL_REASONS),
)
async def fail(
    ctx: Context,
    id: str,
    error: str,
    retry: bool,
    reason: str,
    stdout: str | None = None,
    stderr: str | None = None,
    worker: str | None = None,
    claim_next: Any = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    finish = FinishParams(
        id,
        "failed",
        None,
        error,
        stdout,
        stderr,
        worker,
        attempt=attempt,
        lease=lease,
        retry=retry,
        reason=reason,
    )
    return await _finish(ctx, finish, claim_next)


@rpc(
    "task.requeue",
    id=required("ref"),
    worker=optional("name"),
    attempt=ATTEMPT,
    lease=LEASE,
)
async def requeue(
    ctx: Context,
    id: str,
    worker: str | None = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    """Put a task back to queued to run again (a failed or cancelled one gets all its
    attempts again; a running one's claim does not count); with ``worker``, ``attempt`` or
    ``lease``, only the claim they name."""
    return await ctx.store.task_requeue(id, worker, attempt, lease)


@rpc("task.cancel", id=required("ref"), message=optional("str"))
async def cancel(ctx: Context, id: str, message: str | None = None) -> dict[str, Any]:
    """Cancel a queued, scheduled, blocked or running task (a running one's runner stops
    it); ``message`` is kept as its error."""
    return await ctx.store.task_cancel(id, message)


@rpc("task.reschedule", id=required("ref"), delay=optional("number", min=0), run_at=optional("str"))
async def reschedule(ctx: Context, id: str, **when: Any) -> dict[str, Any]:
    """Move a queued or scheduled task to a new time: ``delay`` seconds from now or
    ``run_at``."""
    delay, run_at = due_members(when)
    if delay is None and run_at is None:
        raise Validation("give delay (seconds) or run_at (a time)", field="delay")
    return await ctx.store.task_reschedule(id, delay, run_at)


@rpc("task.events", id=required("ref"))
async def events(ctx: Context, id: str) -> dict[str, Any]:
    """A task's timeline: every state change, oldest first."""
    return {"events": await ctx.store.task_events(id)}


@rpc("queue.requeue_failed", queue=required("ref"), reason=optional("str", choices=DEAD_REASONS))
async def requeue_failed(ctx: Context, queue: str, reason: str | None = None) -> dict[str, Any]:
    """Redrive a queue's dead letters: its failed tasks (those with ``reason``) back to
    queued, with all their attempts again."""
    return {"requeued": await ctx.store.queue_requeue_failed(queue, reason)}


@rpc("task.rerun", id=required("ref"))
async def rerun(ctx: Context, id: str) -> dict[str, Any]:
    """Enqueue a new task with the same queue, tool and payload as the given one."""
    return await ctx.store.task_rerun(id)


@rpc("task.get", id=required("ref"))
async def get(ctx: Context, id: str) -> dict[str, Any]:
    """One task by id or friendly id: status, payload, result, error, stdout, stderr."""
    return await ctx.store.task_get(id)


@rpc(
    "task.list",
    queue=optional("ref"),
    session=optional("ref"),
    status=optional("any"),
    tool=optional("str"),
    search=optional("str"),
    limit=optional("int", 100, min=1),
    offset=optional("int", 0, min=0),
)
async def list_(ctx: Context, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
    """Tasks, newest first, filtered by queue, session, status (one or a list), tool or a
    search of the payload; ``{tasks, total, truncated …}``."""
    where = TaskFilter(
        queue=filters.get("queue"),
        session=filters.get("session"),
        statuses=_statuses(filters.get("status")),
        tool=filters.get("tool"),
        search=filters.get("search"),
    )
    return await ctx.store.task_list(where, limit, offset)


def _statuses(value: Any) -> tuple[str, ...]:
    """``status`` of task.list: one status, or (an addition to v1) a list of them."""
    if value is None:
        return ()
    listed = value if isinstance(value, list) else [value]
    if not listed:
        raise Validation("status must name at least one status, not []", field="status")
    for item in listed:
        if item not in TASK_STATUSES:
            raise Validation(
                f"status {show(item)} is not one of: {', '.join(TASK_STATUSES)}", field="status"
            )
    return tuple(dict.fromkeys(listed))


@rpc(
    "task.update",
    id=required("ref"),
    payload=Field("any", nullable=False),
    priority=optional("int"),
    timeout=optional("number", min=0.001),
    tool=optional("name"),
)
async def update(ctx: Context, id: str, **changes: Any) -> dict[str, Any]:
    clean = {key: value for key, value in changes.items() if value is not None}
    if "payload" in changes:
        clean["payload_json"] = encode_json(changes["payload"], "payload")
    return await ctx.store.task_update(id, clean)


@rpc("task.delete", id=required("ref"))
async def delete(ctx: Context, id: str) -> dict[str, Any]:
    """Delete a task for good, whatever its status."""
    return await ctx.store.task_delete(id)
