"""system.*, backup.list and purge.run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from datetime import timedelta
from typing import Any

from sparkq_daemon import __version__, backup, clock
from sparkq_daemon.context import Context
from sparkq_daemon.registry import rpc
from sparkq_daemon.store import maintenance
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
        "db_path": str(d.db_path),
        "config_path": str(d.config.source) if d.config.source else None,
        "backups_dir": str(d.backups_dir),
        "data_dir": str(d.db_path.parent),
    }


def _db_bytes(path: Any) -> int:
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += os.path.getsize(f"{path}{suffix}")
    return total


@rpc("system.stats")
async def stats(ctx: Context) -> dict[str, Any]:
    counts = await ctx.db.read(maintenance.stats)
    return {**counts, "db_bytes": _db_bytes(ctx.daemon.db_path)}


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


async def delete_tasks_of(db: Any, session: str | None = None, queue: str | None = None) -> None:
    """Empty a queue (or a session's queues) chunk by chunk before the row itself goes, so
    no single commit holds the writer for a whole cascade."""
    ids = await db.read(maintenance.queue_ids, session, queue)
    while ids and await db.write(maintenance.delete_tasks_chunk, ids) == maintenance.DELETE_CHUNK:
        pass


async def purge(daemon: Any, older_than_days: float) -> int:
    """Delete succeeded and failed tasks finished more than ``older_than_days`` ago."""
    ts, _ = clock.now()
    cutoff = clock.iso_from_unix(ts - timedelta(days=older_than_days).total_seconds())
    total = 0
    while True:
        deleted = await daemon.db.write(maintenance.purge, cutoff)
        total += deleted
        if deleted < maintenance.PURGE_CHUNK:
            return total
