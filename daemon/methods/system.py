"""system.*, backup.list and purge.run."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta
from typing import Any

from sparkq_daemon import __version__, backup
from sparkq_daemon.context import Context
from sparkq_daemon.registry import METHODS, rpc
from sparkq_daemon.validation import required


@rpc("system.ping")
async def ping(ctx: Context) -> dict[str, Any]:
    return {
        "version": __version__,
        "pid": os.getpid(),
        "uptime_s": round(time.monotonic() - ctx.daemon.started, 3),
    }


@rpc("system.info")
async def info(ctx: Context) -> dict[str, Any]:
    d = ctx.daemon
    return {
        **await ping(ctx),
        "socket": str(d.socket_path),
        "tcp": d.tcp_url,
        "metrics": d.metrics_url,
        **d.store.describe(),
        "config_path": str(d.config.source) if d.config.source else None,
        "backups_dir": str(d.backups_dir),
        "data_dir": str(d.data_dir),
    }


@rpc("system.stats")
async def stats(ctx: Context) -> dict[str, Any]:
    """Counts of sessions, queues and tasks (per status) across the daemon."""
    return await ctx.store.stats()


@rpc("system.methods")
async def methods(ctx: Context) -> dict[str, Any]:
    """Every method the daemon serves, with its description and its params (type, whether
    required, default, bounds, choices)."""
    return {"methods": [METHODS[name].describe() for name in sorted(METHODS)]}


@rpc("system.shutdown")
async def shutdown(ctx: Context) -> dict[str, Any]:
    # Answer first, then stop: the reply is written before the stop begins.
    asyncio.get_running_loop().call_later(0.05, ctx.daemon.stopping.set)
    return {"ok": True}


@rpc("backup.list")
async def backup_list(ctx: Context) -> dict[str, Any]:
    return {"backups": backup.list_backups(ctx.daemon.backups_dir)}


@rpc("purge.run", older_than_days=required("number", min=0))
async def purge_run(ctx: Context, older_than_days: float) -> dict[str, Any]:
    return {"deleted": await purge(ctx.daemon, older_than_days)}


async def purge(daemon: Any, older_than_days: float) -> int:
    """Delete succeeded and failed tasks finished more than ``older_than_days`` ago."""
    return await daemon.store.purge(timedelta(days=older_than_days).total_seconds())
