"""The cockpit's schedule actions (``S`` opens the view; ``p``, ``r``, ``x`` act on the
schedule under its cursor), mixed into the App like the other operations."""

from __future__ import annotations

from typing import Any

from textual import work

from sparkq_tui.cockpit.screens.confirm_dialog import ConfirmDialog
from sparkq_tui.cockpit.screens.schedules_screen import SchedulesScreen


class ScheduleOperations:
    """Needs the App's ``rpc``, ``notify``, ``push_screen`` and ``screen``."""

    rpc: Any
    notify: Any
    screen: Any
    clock: Any

    def action_open_schedules(self) -> None:
        if not isinstance(self.screen, SchedulesScreen):
            self.push_screen(SchedulesScreen(clock=self.clock))  # type: ignore[attr-defined]
        self.load_schedules()

    @work(group="schedules", exclusive=True)
    async def load_schedules(self) -> None:
        """Read the schedules into the open view (nothing when it is not open)."""
        if not isinstance(self.screen, SchedulesScreen):
            return
        answer = await self.rpc("schedule.list")
        if answer is not None and isinstance(self.screen, SchedulesScreen):
            self.screen.show(answer["schedules"])

    def _schedule_or_warn(self) -> dict[str, Any] | None:
        selected = self.screen.selected if isinstance(self.screen, SchedulesScreen) else None
        if selected is None:
            self.notify("No schedule selected.", severity="warning", timeout=3)
        return selected

    def action_toggle_schedule(self) -> None:
        schedule = self._schedule_or_warn()
        if schedule is not None:
            method = "schedule.pause" if schedule.get("enabled") else "schedule.resume"
            verb = "paused" if schedule.get("enabled") else "resumed"
            self._schedule_call(method, schedule, verb)

    def action_run_schedule(self) -> None:
        schedule = self._schedule_or_warn()
        if schedule is not None:
            self._run_schedule(schedule)

    def action_delete_schedule(self) -> None:
        schedule = self._schedule_or_warn()
        if schedule is not None:
            self._delete_schedule(schedule)

    @work(group="actions")
    async def _schedule_call(self, method: str, schedule: dict[str, Any], verb: str) -> None:
        if await self.rpc(method, schedule=schedule["id"]) is not None:
            self.notify(f"Schedule {schedule['name']} {verb}", timeout=2)
            self.load_schedules()

    @work(group="actions")
    async def _run_schedule(self, schedule: dict[str, Any]) -> None:
        ran = await self.rpc("schedule.run", schedule=schedule["id"])
        if ran is not None:
            label = ran["task"].get("friendly_id") or ran["task"]["id"]
            self.notify(f"Schedule {schedule['name']} ran: {label}", timeout=3)
            self.load_schedules()

    @work(group="actions")
    async def _delete_schedule(self, schedule: dict[str, Any]) -> None:
        question = f"Delete schedule {schedule['name']}? (its tasks stay)"
        if not await self.push_screen_wait(ConfirmDialog(question)):  # type: ignore[attr-defined]
            return
        if await self.rpc("schedule.delete", schedule=schedule["id"]) is not None:
            self.notify(f"Schedule {schedule['name']} deleted", timeout=2)
            self.load_schedules()
