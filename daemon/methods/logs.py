"""task.log and task.logs: a running task's live output, appended by its runner and paged
by whoever watches."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.errors import Validation
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required

MAX_CHUNK = 64 * 1024  # bytes of one task.log call
MAX_PAGE = 1000
STREAMS = ("stdout", "stderr", "log")


@rpc(
    "task.log",
    id=required("ref"),
    stream=required("str", choices=STREAMS),
    text=required("str"),
    worker=optional("str"),
    attempt=optional("int", min=1),
    lease=optional("int", min=1),
)
async def log(
    ctx: Context,
    id: str,
    stream: str,
    text: str,
    worker: str | None = None,
    attempt: int | None = None,
    lease: int | None = None,
) -> dict[str, Any]:
    """Append a chunk of a running task's live output (at most 64 KiB); the line
    ``{seq, at, stream, text}``."""
    size = len(text.encode())
    if size > MAX_CHUNK:
        raise Validation(
            f"text of {size} bytes is over the 64 KiB ({MAX_CHUNK} bytes) a chunk may hold",
            field="text",
        )
    return await ctx.store.task_log(id, worker, attempt, stream, text, lease)


@rpc(
    "task.logs",
    id=required("ref"),
    after=optional("int", 0, min=0),
    limit=optional("int", MAX_PAGE, min=1, max=MAX_PAGE),
)
async def logs(ctx: Context, id: str, after: int, limit: int) -> dict[str, Any]:
    """A task's live output after line ``after``, oldest first: ``{lines, next}``."""
    return await ctx.store.task_logs(id, after, limit)
