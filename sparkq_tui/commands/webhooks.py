"""``sparkq webhook add|list|rm|deliveries|redeliver``: signed HTTP callbacks of events."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import ago, emit, local_time, print_table, say


def register(sub: Any, common: Any) -> None:
    group = add_command(
        sub,
        common,
        "webhook",
        list_webhooks,
        "webhooks: add, list, rm, deliveries, redeliver",
        aliases=("webhooks",),
    )
    actions = add_actions(group)
    p = add_command(
        actions, common, "add", add, "post matching events to URL, signed (Standard Webhooks)"
    )
    # Not ``url``: that is the global option naming the daemon.
    p.add_argument(
        "hook_url", metavar="URL", help="http:// or https:// (local and private addresses too)"
    )
    p.add_argument(
        "--event",
        dest="events",
        action="append",
        metavar="TYPE",
        help="an event type or pattern (task.failed, task.*); repeat for more; default: all",
    )
    p.add_argument("--queue", help="only this queue's events (name or id)")
    p.add_argument("--secret", help="whsec_… to sign with (default: a new one, shown once)")
    add_command(actions, common, "list", list_webhooks, "list webhooks (no secrets)")
    p = add_command(actions, common, "rm", remove, "delete a webhook and its delivery log")
    p.add_argument("id")
    p = add_command(actions, common, "deliveries", deliveries, "the delivery log, newest first")
    p.add_argument("--webhook", metavar="ID", help="only this webhook's deliveries")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20, at most 1000)")
    p = add_command(actions, common, "redeliver", redeliver, "send a delivery again")
    p.add_argument("id", help="the delivery's id (msg_…)")


def _scope(hook: dict[str, Any]) -> str:
    events = ", ".join(hook.get("events") or ["*"])
    return f"{events} of queue {hook['queue']}" if hook.get("queue") else events


def add(ctx: Context) -> int:
    hook = ctx.call(
        "webhook.create",
        url=ctx.args.hook_url,
        events=ctx.args.events,
        queue=ctx.args.queue,
        secret=ctx.args.secret,
    )

    def render() -> None:
        say(f"added webhook {hook['id']}: {_scope(hook)} → {hook['url']}")
        say(f"secret: {hook['secret']} (shown only this once: verify deliveries with it)")

    emit(ctx.json, hook, render)
    return 0


def list_webhooks(ctx: Context) -> int:
    hooks = ctx.call("webhook.list")["webhooks"]
    rows = [
        (h["id"], h["url"], ", ".join(h["events"]), h.get("queue") or "any", ago(h["created_at"]))
        for h in hooks
    ]
    emit(
        ctx.json,
        {"webhooks": hooks},
        lambda: print_table(
            ("ID", "URL", "EVENTS", "QUEUE", "AGE"),
            rows,
            empty="no webhooks yet: `sparkq webhook add URL --event task.failed`",
        ),
    )
    return 0


def remove(ctx: Context) -> int:
    gone = ctx.call("webhook.delete", id=ctx.args.id)
    emit(ctx.json, gone, lambda: say(f"deleted webhook {gone['id']} ({gone['url']})"))
    return 0


def _outcome(d: dict[str, Any]) -> str:
    if d["status"] == "delivered":
        return f"delivered {local_time(d.get('delivered_at'))}"
    last = d.get("last_error") or ""
    if d["status"] == "pending":
        when = f"next {local_time(d.get('next_attempt_at'))}"
        return f"{last}; {when}" if last else when
    return last


def deliveries(ctx: Context) -> int:
    found = ctx.call("webhook.deliveries", webhook=ctx.args.webhook, limit=ctx.args.limit)
    rows = [
        (d["id"], d["webhook_id"], d["event"], d["status"], d["attempts"], _outcome(d))
        for d in found["deliveries"]
    ]
    emit(
        ctx.json,
        found,
        lambda: print_table(
            ("ID", "WEBHOOK", "EVENT", "STATUS", "ATTEMPTS", "OUTCOME"),
            rows,
            empty="no deliveries yet",
        ),
    )
    return 0


def redeliver(ctx: Context) -> int:
    again = ctx.call("webhook.redeliver", delivery=ctx.args.id)
    emit(
        ctx.json,
        again,
        lambda: say(f"delivery {again['id']} ({again['event']}) will be sent again"),
    )
    return 0
