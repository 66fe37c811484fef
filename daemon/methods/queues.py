"""queue.*"""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.methods.roles import check_model_profile, check_role
from sparkq_daemon.policy.limits import check_concurrency, check_rate_limit
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required

QUEUE_STATUSES = ("active", "planned", "idle", "ended", "archived")


@rpc(
    "queue.create",
    name=required("name"),
    session=required("ref"),
    instructions=optional("str", ""),
    role=optional("name"),
    model_profile=optional("name"),
)
async def create(
    ctx: Context,
    name: str,
    session: str,
    instructions: str,
    role: str | None = None,
    model_profile: str | None = None,
) -> dict[str, Any]:
    """Create a queue in a session, with its instructions (the LLM system prompt), the agent
    role its tasks take and its model profile (the LLM tool its prompts go to) if given."""
    await check_role(ctx, role)
    check_model_profile(ctx, model_profile)
    return await ctx.store.queue_create(name, session, instructions, role, model_profile)


@rpc(
    "queue.list",
    session=optional("ref"),
    status=optional("str", choices=QUEUE_STATUSES),
    include_archived=optional("bool", False),
)
async def list_(
    ctx: Context, include_archived: bool, session: str | None = None, status: str | None = None
) -> dict[str, Any]:
    """Queues with their counts of tasks per status, optionally of one session or status."""
    return {"queues": await ctx.store.queue_list(session, status, include_archived)}


@rpc("queue.get", queue=required("ref"))
async def get(ctx: Context, queue: str) -> dict[str, Any]:
    """One queue by name or id: its instructions, state and counts of tasks."""
    return await ctx.store.queue_get(queue)


@rpc(
    "queue.update",
    queue=required("ref"),
    name=optional("name"),
    instructions=optional("str"),
    role=optional("str"),
    model_profile=optional("str"),
    concurrency=optional("any"),
    rate_limit=optional("any"),
)
async def update(
    ctx: Context,
    queue: str,
    name: str | None = None,
    instructions: str | None = None,
    role: str | None = None,
    model_profile: str | None = None,
    **limits: Any,
) -> dict[str, Any]:
    """Rename a queue, change its instructions, role or model profile ("" clears those), or set
    its limits: ``concurrency`` (at most that many tasks running at once) and ``rate_limit``
    ``{limit, per}`` (at most ``limit`` claims in any ``per`` seconds); null clears a limit."""
    await check_role(ctx, role)
    check_model_profile(ctx, model_profile)
    changes: dict[str, Any] = {}
    if "concurrency" in limits:
        changes["concurrency"] = check_concurrency(limits["concurrency"])
    if "rate_limit" in limits:
        changes["rate_limit"] = check_rate_limit(limits["rate_limit"])
    edits = (name, instructions, role, model_profile)
    if not changes or any(value is not None for value in edits):
        updated = await ctx.store.queue_update(queue, name, instructions, role, model_profile)
        queue = updated["id"]
        if not changes:
            return updated
    return await ctx.store.queue_set_limits(queue, changes)


def _state_method(name: str, state: str | None, event: str) -> None:
    async def handler(ctx: Context, queue: str) -> dict[str, Any]:
        return await ctx.store.queue_set_state(queue, state, event)

    rpc(name, queue=required("ref"))(handler)


_state_method("queue.end", "ended", "queue.ended")
_state_method("queue.archive", "archived", "queue.archived")
_state_method("queue.unarchive", None, "queue.unarchived")


@rpc("queue.pause", queue=required("ref"))
async def pause(ctx: Context, queue: str) -> dict[str, Any]:
    """Pause a queue: nothing is claimed from it until it is resumed."""
    return await ctx.store.queue_set_paused(queue, True)


@rpc("queue.resume", queue=required("ref"))
async def resume(ctx: Context, queue: str) -> dict[str, Any]:
    """Resume a paused queue."""
    return await ctx.store.queue_set_paused(queue, False)


@rpc("queue.delete", queue=required("ref"))
async def delete(ctx: Context, queue: str) -> dict[str, Any]:
    """Delete a queue and all its tasks for good."""
    return await ctx.store.queue_delete(queue)
