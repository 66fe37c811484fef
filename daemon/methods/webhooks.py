"""webhook.*: signed HTTP callbacks of daemon events, their delivery log and redelivery."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required
from sparkq_daemon.webhooks.rules import check_events, check_secret, check_url, new_secret

DELIVERIES_MAX = 1000


@rpc(
    "webhook.create",
    url=required("any"),
    events=optional("any"),
    queue=optional("ref"),
    secret=optional("any"),
)
async def create(
    ctx: Context,
    url: Any,
    events: Any = None,
    queue: str | None = None,
    secret: Any = None,
) -> dict[str, Any]:
    """Post every matching event to ``url``, signed per Standard Webhooks; the secret is
    returned this once."""
    url = check_url(url)
    patterns = check_events(events)
    secret = new_secret() if secret is None else check_secret(secret)
    created = await ctx.store.webhook_create(url, patterns, queue, secret)
    return {**created, "secret": secret}


@rpc("webhook.list")
async def list_(ctx: Context) -> dict[str, Any]:
    """Every webhook (without its secret)."""
    return {"webhooks": await ctx.store.webhook_list()}


@rpc("webhook.delete", id=required("ref"))
async def delete(ctx: Context, id: str) -> dict[str, Any]:
    """Delete a webhook and its delivery log."""
    return await ctx.store.webhook_delete(id)


@rpc(
    "webhook.deliveries",
    webhook=optional("ref"),
    limit=optional("int", 100, min=1, max=DELIVERIES_MAX),
)
async def deliveries(ctx: Context, webhook: str | None = None, limit: int = 100) -> dict[str, Any]:
    """The delivery log, newest first."""
    return {"deliveries": await ctx.store.webhook_deliveries(webhook, limit)}


@rpc("webhook.redeliver", delivery=required("ref"))
async def redeliver(ctx: Context, delivery: str) -> dict[str, Any]:
    """Send a delivery again (pending, due now, with all its attempts)."""
    return await ctx.store.webhook_redeliver(delivery)
