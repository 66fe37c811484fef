"""``sparkq workers``: the runners connected now, what each runs and since when."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import emit, local_time, print_table


def register(sub: Any, common: Any) -> None:
    add_command(sub, common, "workers", workers, "list the runners connected now")


def workers(ctx: Context) -> int:
    found = ctx.call("worker.list")
    rows = [
        (
            w.get("name"),
            w.get("host"),
            w.get("pid") or "",
            ", ".join(w.get("queues") or []) or "(any)",
            w.get("concurrency") or "",
            len(w.get("running") or []),
            local_time(w.get("connected_at")),
            local_time(w.get("last_seen_at")),
        )
        for w in found["workers"]
    ]
    columns = ("NAME", "HOST", "PID", "QUEUES", "CONC", "RUNNING", "SINCE", "LAST SEEN")
    emit(ctx.json, found, lambda: print_table(columns, rows, empty="no runners connected"))
    return 0
