"""A task's timeline in the task detail: one line per state change, oldest first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from sparkq_tui.cockpit.state import parse_time

EVENT_STYLES = {
    "succeeded": "$success",
    "failed": "$error",
    "stale": "$warning",
    "retrying": "$warning",
    "cancelled": "$error",
    "claimed": "$accent",
}
# The detail keys worth a word, in the order they are shown.
DETAIL_KEYS = ("reason", "run_at", "error", "message", "from", "to")


def event_detail(event: Mapping[str, Any]) -> str:
    """What an event adds, in a few words: ``attempt 2 · runner-1 · reason error · …``."""
    parts = []
    if event.get("attempt"):
        parts.append(f"attempt {event['attempt']}")
    if event.get("worker"):
        parts.append(str(event["worker"]))
    detail = event.get("detail") or {}
    if isinstance(detail, Mapping):
        shown = [k for k in DETAIL_KEYS if detail.get(k) not in (None, "")]
        shown += sorted(k for k in detail if k not in DETAIL_KEYS and detail[k] not in (None, ""))
        for key in shown:
            value = detail[key]
            if key == "run_at":
                moment = parse_time(value)
                value = moment.astimezone().strftime("%H:%M:%S") if moment else value
            text = " ".join(str(value).split())
            parts.append(f"{key} {text if len(text) <= 40 else text[:39] + '…'}")
    return " · ".join(parts)


def timeline_line(event: Mapping[str, Any]) -> Content:
    """One event: its local time, its type, and its detail."""
    moment = parse_time(event.get("at"))
    when = moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "—"
    kind = str(event.get("type", "?"))
    return Content.assemble(
        (when, "$text-muted"),
        "  ",
        (f"{kind:<11}", EVENT_STYLES.get(kind, "")),
        " ",
        event_detail(event),
    )


class TaskTimeline(Static):
    """The timeline's lines; ``events`` is set from ``task.events``."""

    events: reactive[list[dict[str, Any]] | None] = reactive(None, always_update=True)

    def watch_events(self, events: list[dict[str, Any]] | None) -> None:
        if events is None:
            self.update("…")
        elif not events:
            self.update("—")
        else:
            self.update(Content("\n").join(timeline_line(e) for e in events))
