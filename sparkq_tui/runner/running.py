"""A task while this runner holds it: its claim, its process, and why it may end early."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sparkq_tui.runner.execute import Execution
from sparkq_tui.runner.holding import holder_of
from sparkq_tui.runner.llm_execute import LlmExecution
from sparkq_tui.runner.pycall import PyCallExecution


@dataclass
class RunningTask:
    """A claimed task while this runner holds it."""

    task: dict[str, Any]
    worker: str
    execution: Execution | LlmExecution | PyCallExecution | None = None
    requeue_reason: str | None = None
    lost_reason: str | None = None

    @property
    def label(self) -> str:
        return str(self.task.get("friendly_id") or self.task["id"])

    @property
    def holder(self) -> dict[str, Any]:
        """The claim this runner holds (see ``holding``)."""
        return holder_of(self.task, self.worker)

    def give_back(self, reason: str) -> None:
        """Stop the task's process; it is requeued rather than reported."""
        self.requeue_reason = self.requeue_reason or reason
        if self.execution is not None:
            self.execution.stop(reason)

    def take_away(self, reason: str, grace: float | None = None) -> None:
        """The task is no longer this runner's: stop its process (KILL after ``grace`` s
        when given) and report nothing."""
        self.lost_reason = self.lost_reason or reason
        if self.execution is not None:
            self.execution.stop(f"the task was taken away: {reason}", grace)
