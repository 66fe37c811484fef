"""The delivery outbox's write path: inside each group commit, one delivery row for every
(committed event, webhook it matches), so a committed event's deliveries commit with it.

Matching runs in memory against the webhooks cached on the catalogue: with no webhook it
costs one check per group; with some, one ``executemany`` per group."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import orjson

from sparkq_daemon.ids import new_id
from sparkq_daemon.store.sqlite.tx import Catalog
from sparkq_daemon.webhooks.rules import body, matches

log = logging.getLogger("sparkq.webhooks")
INSERT = (
    "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, next_attempt_at, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def load(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The webhooks as the outbox matches them: ``{id, events, queue_id}``."""
    found = conn.execute("SELECT id, events, queue_id FROM webhooks")
    return [
        {
            "id": r["id"],
            "events": orjson.loads(r["events"]) if r["events"] else None,
            "queue_id": r["queue_id"],
        }
        for r in found
    ]


def write(conn: sqlite3.Connection, catalog: Catalog, now: str, events: list[dict]) -> int:
    """Add the deliveries of ``events`` (due now) in the open transaction; how many."""
    hooks = catalog.webhooks
    if hooks is None:
        hooks = catalog.webhooks = load(conn)
    if not hooks:
        return 0
    rows = []
    for event in events:
        encoded = None
        try:
            for hook in hooks:
                if matches(hook["events"], hook["queue_id"], event):
                    encoded = encoded or body(event)
                    rows.append((new_id("msg"), hook["id"], event["type"], encoded, now, now, now))
        except (KeyError, TypeError):  # a malformed event must not undo the commit it is in
            log.exception("no webhook delivery for the event %r", event.get("type"))
    if rows:
        conn.executemany(INSERT, rows)
    return len(rows)
