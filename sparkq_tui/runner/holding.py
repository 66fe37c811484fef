"""Whether a claim still holds: a task is this runner's only while it is ``running`` with the
worker name and claim time it had when this runner claimed it. A task requeued and claimed
again (even under the same worker name) is a new claim."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import NotFoundError


def fenced(params: dict[str, Any], task: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the claim's ``attempt`` and ``lease`` (the daemon refuses a report of
    another claim); ``lease`` only when the daemon gave one."""
    out = dict(params)
    for member, key in (("attempt", "attempts"), ("lease", "lease")):
        value = task.get(key)
        if isinstance(value, int) and value > 0:
            out[member] = value
    return out


def holder_of(task: dict[str, Any], worker: str) -> dict[str, Any]:
    """The claim on ``task`` taken by ``worker``: who holds it and since when."""
    return {"worker": worker, "claimed_at": task.get("claimed_at")}


@dataclass(frozen=True)
class ClaimState:
    """The daemon's view of a task, compared with one claim on it."""

    task: dict[str, Any] | None  # None: the task was deleted
    same_claim: bool

    @property
    def status(self) -> str | None:
        return self.task.get("status") if self.task is not None else None

    @property
    def held(self) -> bool:
        return self.same_claim and self.status == "running"

    def describe(self) -> str:
        """What the task became, in a few words."""
        if self.task is None:
            return "deleted"
        worker = self.task.get("worker")
        if self.status == "running" and not self.same_claim:
            return f"running under another claim (worker {worker})"
        return f"{self.status} (worker {worker})" if worker else str(self.status)


async def look_up(client: AsyncClient, task_id: str, holder: dict[str, Any]) -> ClaimState:
    """Read the task; raises ``DaemonUnavailable`` when the daemon is away."""
    try:
        task = await client.call("task.get", id=task_id)
    except NotFoundError:
        return ClaimState(None, False)
    same = (task.get("worker"), task.get("claimed_at")) == (
        holder.get("worker"),
        holder.get("claimed_at"),
    )
    return ClaimState(task, same)
