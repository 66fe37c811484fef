"""Webhooks and their delivery outbox: each committed event a webhook matches gets one
delivery row, in its own commit; the deliverer's lease, the record of each attempt, the log
and redelivery."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from sparkq_daemon.errors import NotFound
from sparkq_daemon.store.base import ClaimParams, FinishParams, Queue, Store
from sparkq_daemon.webhooks.rules import new_secret
from tests.store.fake_clock import FakeClock
from tests.store.helpers import enqueue

URL = "http://127.0.0.1:9/hook"


async def test_create_list_delete(store: Store, queue: Queue) -> None:
    secret = new_secret()
    everything = await store.webhook_create(URL, None, None, secret)
    failures = await store.webhook_create(URL, ["task.failed"], "q", secret)
    assert everything["id"].startswith("whk_") and everything["events"] == ["*"]
    assert everything["queue_id"] is None and everything["queue"] is None
    assert failures["events"] == ["task.failed"]
    assert (failures["queue_id"], failures["queue"]) == (queue["id"], "q")
    assert "secret" not in failures
    assert [h["id"] for h in await store.webhook_list()] == [everything["id"], failures["id"]]
    assert await store.webhook_count() == 2
    deleted = await store.webhook_delete(everything["id"])
    assert deleted["deleted"] is True and deleted["url"] == URL
    assert [h["id"] for h in await store.webhook_list()] == [failures["id"]]
    with pytest.raises(NotFound, match="whk_ghost"):
        await store.webhook_delete("whk_ghost")
    with pytest.raises(NotFound, match="ghost"):
        await store.webhook_create(URL, None, "ghost", secret)
    with pytest.raises(NotFound, match="whk_ghost"):
        await store.webhook_deliveries("whk_ghost", 10)


async def test_outbox_gets_one_delivery_per_matching_event_and_webhook(
    store: Store, queue: Queue
) -> None:
    await store.queue_create("other", "s", None)
    on_q = await store.webhook_create(URL, ["task.*"], "q", new_secret())
    failed_only = await store.webhook_create(
        URL, ["task.failed", "queue.paused"], None, new_secret()
    )
    [task] = await enqueue(store, "q")
    await enqueue(store, "other")  # not q's, not a failure: nobody's
    await store.task_claim(ClaimParams(queue="q"))
    await store.task_finish(FinishParams(ref=task["id"], status="failed", error="boom"))
    await store.queue_set_paused("other", True)
    mine = await store.webhook_deliveries(on_q["id"], 10)
    assert [d["event"] for d in mine] == ["task.failed", "task.claimed", "task.enqueued"]
    theirs = await store.webhook_deliveries(failed_only["id"], 10)
    assert [d["event"] for d in theirs] == ["queue.paused", "task.failed"]
    every = await store.webhook_deliveries(None, 10)
    assert len(every) == 5 and all(d["status"] == "pending" for d in every)
    assert all(d["id"].startswith("msg_") and d["attempts"] == 0 for d in every)
    assert [d["event"] for d in await store.webhook_deliveries(None, 2)] == [
        "queue.paused",
        "task.failed",
    ]


async def test_due_leases_records_and_retries(store: Store, queue: Queue) -> None:
    hook = await store.webhook_create(URL, ["task.enqueued"], None, "whsec_x")
    [task] = await enqueue(store, "q")
    taken, _ = await store.webhook_due(10, 60)
    [d] = taken
    assert (d["url"], d["secret"], d["event"], d["attempts"]) == (
        URL,
        "whsec_x",
        "task.enqueued",
        0,
    )
    assert d["webhook_id"] == hook["id"]
    body = orjson.loads(d["payload"])
    assert body["type"] == "task.enqueued" and body["data"]["id"] == task["id"]
    assert body["timestamp"] == body["data"]["at"]
    again, wait = await store.webhook_due(10, 60)
    assert again == [] and wait is not None and 50 < wait <= 60  # leased: nobody else takes it
    await store.webhook_record(d["id"], 0, 500, "HTTP 500", 0.0)
    [logged] = await store.webhook_deliveries(None, 10)
    assert (logged["status"], logged["attempts"], logged["last_status"]) == ("pending", 1, 500)
    assert logged["last_error"] == "HTTP 500" and logged["next_attempt_at"]
    await store.webhook_record(d["id"], 0, 200, None, None)  # a stale attempt: ignored
    assert (await store.webhook_deliveries(None, 1))[0]["status"] == "pending"
    [retry], _ = await store.webhook_due(10, 60)
    assert retry["attempts"] == 1
    await store.webhook_record(d["id"], 1, 204, None, None)
    [done] = await store.webhook_deliveries(None, 10)
    assert (done["status"], done["attempts"], done["last_status"]) == ("delivered", 2, 204)
    assert done["delivered_at"] and done["next_attempt_at"] is None and done["last_error"] is None
    assert await store.webhook_due(10, 60) == ([], None)


async def test_failed_for_good_then_redelivered(store: Store, queue: Queue) -> None:
    await store.webhook_create(URL, ["task.enqueued"], None, "whsec_x")
    await enqueue(store, "q")
    [d], _ = await store.webhook_due(10, 60)
    await store.webhook_record(d["id"], 0, None, "connection refused", None)
    [failed] = await store.webhook_deliveries(None, 10)
    assert (failed["status"], failed["last_error"], failed["last_status"]) == (
        "failed",
        "connection refused",
        None,
    )
    assert await store.webhook_due(10, 60) == ([], None)
    again = await store.webhook_redeliver(d["id"])
    assert (again["status"], again["attempts"]) == ("pending", 0)
    [taken], _ = await store.webhook_due(10, 60)
    assert taken["id"] == d["id"]
    with pytest.raises(NotFound, match="msg_ghost"):
        await store.webhook_redeliver("msg_ghost")


async def test_deleting_a_webhook_drops_its_deliveries(store: Store, queue: Queue) -> None:
    hook = await store.webhook_create(URL, None, "q", "whsec_x")
    await enqueue(store, "q", 3)
    assert len(await store.webhook_deliveries(None, 10)) == 3
    await store.webhook_delete(hook["id"])
    assert await store.webhook_deliveries(None, 10) == []
    await enqueue(store, "q")
    assert await store.webhook_due(10, 60) == ([], None)


async def test_webhook_changes_are_events_but_never_deliveries(store: Store, events) -> None:
    hook = await store.webhook_create(URL, ["*"], None, "whsec_x")
    await store.webhook_delete(hook["id"])
    assert [e["type"] for e in events] == ["webhook.created", "webhook.deleted"]
    await store.webhook_create(URL, ["*"], None, "whsec_x")
    await store.session_create("s", None)
    assert [d["event"] for d in await store.webhook_deliveries(None, 10)] == ["session.created"]


@pytest.mark.needs_clock
async def test_a_retry_waits_its_backoff_on_the_clock(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    await store.webhook_create(URL, None, "q", "whsec_x")
    await enqueue(store, "q")
    [d], _ = await store.webhook_due(10, 5)
    await store.webhook_record(d["id"], 0, 503, "HTTP 503", 30.0)
    taken, wait = await store.webhook_due(10, 5)
    assert taken == [] and wait == pytest.approx(30, abs=0.01)
    clock.advance(29)
    assert (await store.webhook_due(10, 5))[0] == []
    clock.advance(1.01)
    assert [t["id"] for t in (await store.webhook_due(10, 5))[0]] == [d["id"]]


async def test_purge_drops_finished_deliveries_only(
    store: Store, queue: Queue, clock: FakeClock
) -> None:
    await store.webhook_create(URL, ["task.enqueued"], None, "whsec_x")
    await enqueue(store, "q", 3)
    taken, _ = await store.webhook_due(2, 60)
    await store.webhook_record(taken[0]["id"], 0, 200, None, None)
    await store.webhook_record(taken[1]["id"], 0, None, "refused", None)
    assert await store.webhook_purge(3600) == 0  # finished just now: kept
    clock.advance(1)
    await asyncio.sleep(0.02)  # PostgreSQL reads its own clock
    assert await store.webhook_purge(0.01) == 2
    [left] = await store.webhook_deliveries(None, 10)
    assert left["status"] == "pending"
