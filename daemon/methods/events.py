"""events.subscribe"""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.errors import Validation
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import check_choices, optional

TOPICS = ("session", "queue", "task", "config", "catalog", "worker", "schedule")
# Event types that may be subscribed to alone: a runner hears of cancels without every task
# event; a viewer follows progress or output without the rest.
TYPE_TOPICS = ("task.cancelled", "task.progress", "task.log")
DEFAULT_TOPICS = ["session", "queue", "task"]


@rpc("events.subscribe", topics=optional("list", DEFAULT_TOPICS))
async def subscribe(ctx: Context, topics: list[Any]) -> dict[str, Any]:
    if not topics:
        raise Validation("topics must name at least one topic", field="topics")
    check_choices(topics, TOPICS + TYPE_TOPICS, "topics")
    if ctx.peer is None:
        raise Validation("events need a connection to be sent on")
    return {"subscribed": ctx.peer.start_events(set(topics))}
