"""role.* — agent roles — and the checks of the role and model profile a request names."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.errors import NotFound, Validation
from sparkq_daemon.registry import rpc
from sparkq_daemon.roles_config import role_value
from sparkq_daemon.validation import optional, required, show


async def check_role(ctx: Context, key: str | None, field: str = "role") -> str | None:
    """``key`` when it names an active role ("" passes: it clears); else -32602 naming it."""
    if not key:
        return key
    try:
        role = await ctx.store.role_get(key)
    except NotFound:
        known = ", ".join(r["key"] for r in await ctx.store.role_list()) or "none defined"
        raise Validation(f"unknown role {show(key)} (known: {known})", field=field) from None
    if not role["active"]:
        raise Validation(f"role {show(key)} is not active", field=field)
    return key


def check_model_profile(ctx: Context, name: str | None) -> str | None:
    """``name`` when ``model_profiles`` in sparkq.yml has it ("" passes: it clears)."""
    profiles = ctx.daemon.config.model_profiles
    if name and name not in profiles:
        known = ", ".join(sorted(profiles)) or "none defined"
        raise Validation(
            f"unknown model profile {show(name)} (known: {known})", field="model_profile"
        )
    return name


def _key(key: str) -> str:
    if any(c.isspace() for c in key):
        raise Validation(f"role key {show(key)} must not hold spaces", field="key")
    return key


@rpc("role.list")
async def role_list(ctx: Context) -> dict[str, Any]:
    """The agent roles: ``{key, label, description, prompt, active}``, by key."""
    return {"roles": await ctx.store.role_list()}


@rpc(
    "role.upsert",
    key=required("name"),
    label=optional("str"),
    description=optional("str"),
    prompt=optional("str"),
    active=optional("bool"),
)
async def role_upsert(ctx: Context, key: str, **given: Any) -> dict[str, Any]:
    """Create or replace an agent role (its prompt goes before a queue's instructions in an
    LLM task's system prompt); an omitted member keeps the role's current value."""
    try:
        current = await ctx.store.role_get(_key(key))
    except NotFound:
        current = role_value(key, {})
    merged = {
        name: current[name] if given.get(name) is None else given[name]
        for name in ("label", "description", "prompt", "active")
    }
    return await ctx.store.role_upsert(
        key, merged["label"] or key, merged["description"], merged["prompt"], merged["active"]
    )


@rpc("role.delete", key=required("name"))
async def role_delete(ctx: Context, key: str) -> dict[str, Any]:
    """Delete an agent role (refused while a queue names it; its tasks keep the key)."""
    return await ctx.store.role_delete(key)
