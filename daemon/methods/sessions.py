"""session.*"""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required

SESSION_STATUSES = ("active", "ended")


@rpc("session.create", name=required("name"), description=optional("str", ""))
async def create(ctx: Context, name: str, description: str) -> dict[str, Any]:
    return await ctx.store.session_create(name, description)


@rpc("session.list", status=optional("str", choices=SESSION_STATUSES))
async def list_(ctx: Context, status: str | None = None) -> dict[str, Any]:
    return {"sessions": await ctx.store.session_list(status)}


@rpc("session.get", session=required("ref"))
async def get(ctx: Context, session: str) -> dict[str, Any]:
    return await ctx.store.session_get(session)


@rpc("session.end", session=required("ref"))
async def end(ctx: Context, session: str) -> dict[str, Any]:
    return await ctx.store.session_end(session)


@rpc("session.delete", session=required("ref"))
async def delete(ctx: Context, session: str) -> dict[str, Any]:
    return await ctx.store.session_delete(session)
