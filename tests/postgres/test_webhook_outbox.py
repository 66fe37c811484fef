"""Two daemons' stores on one PostgreSQL database share the webhook outbox: deliveries
written by either are taken by exactly one of them, however they race."""

from __future__ import annotations

import asyncio

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.store.postgres.store import PgStore
from tests.postgres.scenario import item


async def test_each_delivery_is_taken_by_one_store(fresh_pg_url: str) -> None:
    a, b = PgStore(fresh_pg_url), PgStore(fresh_pg_url)
    for store in (a, b):
        await store.open()
    try:
        await a.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS)
        await a.session_create("s", "")
        await a.queue_create("q", "s", "")
        await b.webhook_create("http://127.0.0.1:9/h", ["task.enqueued"], "q", "whsec_x")
        await a.task_enqueue("q", [item() for _ in range(60)])  # written by the other store
        await b.task_enqueue("q", [item() for _ in range(60)])
        taken: list[list[str]] = [[], []]

        async def drain(store: PgStore, into: list[str]) -> None:
            while True:
                due, _ = await store.webhook_due(7, 60)
                if not due:
                    return
                into.extend(d["id"] for d in due)

        await asyncio.gather(*(drain(s, t) for s, t in ((a, taken[0]), (b, taken[1])) * 3))
        every = taken[0] + taken[1]
        assert len(every) == 120 and len(set(every)) == 120
        logged = await a.webhook_deliveries(None, 1000)
        assert {d["id"] for d in logged} == set(every)
    finally:
        for store in (a, b):
            await store.close()
