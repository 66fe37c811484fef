"""auth.hello and token.*: access tokens of the TCP listener."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sparkq_daemon.access import digest, new_secret
from sparkq_daemon.context import Context
from sparkq_daemon.registry import rpc
from sparkq_daemon.scopes import SCOPES
from sparkq_daemon.validation import optional, required

log = logging.getLogger("sparkq.auth")


@rpc("auth.hello", token=optional("str"))
async def hello(ctx: Context, token: str | None = None) -> dict[str, Any]:
    peer = ctx.peer
    if peer is None or not peer.access.remote:
        return {"scope": "admin", "name": None}  # the Unix socket's owner
    if not token:
        raise peer.access.refuse("auth.hello without a token")
    wanted = digest(token)
    found = await ctx.store.token_find(wanted)
    if found is None or not hmac.compare_digest(found["digest"], wanted):
        raise peer.access.refuse("unknown or revoked token")
    peer.access.grant(found["name"], found["scope"])
    log.info(
        "%s authenticated with the token %r (%s)", peer.access.peer, found["name"], found["scope"]
    )
    return {"scope": found["scope"], "name": found["name"]}


@rpc("token.create", name=required("name"), scope=required("str", choices=SCOPES))
async def create(ctx: Context, name: str, scope: str) -> dict[str, Any]:
    secret = new_secret()
    created = await ctx.store.token_create(name, scope, digest(secret))
    return {**created, "token": secret}


@rpc("token.list")
async def list_(ctx: Context) -> dict[str, Any]:
    return {"tokens": await ctx.store.token_list()}


@rpc("token.revoke", name=required("name"))
async def revoke(ctx: Context, name: str) -> dict[str, Any]:
    revoked = await ctx.store.token_revoke(name)
    closed = 0
    for peer in list(ctx.daemon.peers):
        if peer.access.token_name == name and peer is not ctx.peer:
            peer.revoke()
            closed += 1
    if ctx.peer is not None and ctx.peer.access.token_name == name:
        ctx.peer.access.revoked = True  # this reply still goes out; nothing after it
    log.info("revoked the token %r: closed %d connection(s)", name, closed)
    return {**revoked, "closed_connections": closed}
