"""schedule.*: tasks enqueued on a clock (cron in a time zone, or every N seconds)."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.errors import Validation
from sparkq_daemon.methods.tasks import encode_json
from sparkq_daemon.policy import schedules as policy
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required

MEMBERS = {
    "queue": optional("ref"),
    "tool": optional("name"),
    "cron": optional("any"),
    "every": optional("any"),
    "timezone": optional("any"),
    "payload": optional("any"),
    "task_class": optional("name"),
    "timeout": optional("number", min=0.001),
    "priority": optional("int"),
    "max_attempts": optional("int", min=1, max=100),
    "overlap": optional("str", choices=policy.OVERLAP),
    "catch_up": optional("str", choices=policy.CATCH_UP),
}


def _with_payload(spec: dict[str, Any]) -> dict[str, Any]:
    if "payload" in spec:
        spec["payload_json"] = encode_json(spec["payload"], "payload")
    return spec


@rpc(
    "schedule.create",
    name=required("name"),
    **{
        **MEMBERS,
        "queue": required("ref"),
        "tool": required("name"),
        "timezone": optional("any", "UTC"),
        "overlap": optional("str", "skip", choices=policy.OVERLAP),
        "catch_up": optional("str", "one", choices=policy.CATCH_UP),
    },
    enabled=optional("bool", True),
)
async def create(ctx: Context, **spec: Any) -> dict[str, Any]:
    """Create a schedule: a task of ``tool`` enqueued into ``queue`` at each slot of ``cron``
    (5 fields, 6 with seconds first, or @hourly/@daily/@weekly/@monthly, in ``timezone``) or
    ``every`` N seconds. ``overlap``: skip a slot while the previous task is unfinished, or
    allow it; ``catch_up``: after downtime fire the missed slots once, or none."""
    spec["cron"], spec["every"], spec["timezone"] = policy.check_timing(
        spec.get("cron"), spec.get("every"), spec["timezone"]
    )
    return await ctx.store.schedule_create(_with_payload(spec))


@rpc("schedule.list", queue=optional("ref"))
async def list_(ctx: Context, queue: str | None = None) -> dict[str, Any]:
    """Every schedule (of one queue when given), with its next run."""
    return {"schedules": await ctx.store.schedule_list(queue)}


@rpc("schedule.get", schedule=required("ref"))
async def get(ctx: Context, schedule: str) -> dict[str, Any]:
    """One schedule by id or name."""
    return await ctx.store.schedule_get(schedule)


@rpc("schedule.update", schedule=required("ref"), name=optional("name"), **MEMBERS)
async def update(ctx: Context, schedule: str, **changes: Any) -> dict[str, Any]:
    """Change a schedule's members; a new cron, every or timezone starts from now."""
    changes = {k: v for k, v in changes.items() if v is not None or k in ("payload",)}
    if "cron" in changes or "every" in changes or "timezone" in changes:
        current = await ctx.store.schedule_get(schedule)
        cron = changes.get("cron", None if "every" in changes else current["cron"])
        every = changes.get("every", None if "cron" in changes else current["every"])
        timezone = changes.get("timezone", current["timezone"])
        changes["cron"], changes["every"], changes["timezone"] = policy.check_timing(
            cron, every, timezone
        )
    if not changes:
        raise Validation("schedule.update needs a member to change", field="schedule")
    return await ctx.store.schedule_update(schedule, _with_payload(changes))


@rpc("schedule.pause", schedule=required("ref"))
async def pause(ctx: Context, schedule: str) -> dict[str, Any]:
    """Stop firing a schedule until it is resumed (its slots meanwhile are not run)."""
    return await ctx.store.schedule_set_enabled(schedule, False)


@rpc("schedule.resume", schedule=required("ref"))
async def resume(ctx: Context, schedule: str) -> dict[str, Any]:
    """Fire a paused schedule again, from its next slot after now."""
    return await ctx.store.schedule_set_enabled(schedule, True)


@rpc("schedule.delete", schedule=required("ref"))
async def delete(ctx: Context, schedule: str) -> dict[str, Any]:
    """Delete a schedule (the tasks it made stay)."""
    return await ctx.store.schedule_delete(schedule)


@rpc("schedule.run", schedule=required("ref"))
async def run(ctx: Context, schedule: str) -> dict[str, Any]:
    """Fire a schedule now, once: ``{schedule, task}``; its next slot stays as it was."""
    return await ctx.store.schedule_run(schedule)
