"""``sparkq webhook …`` end to end: add a webhook for a local receiver, see it listed, a
task's event delivered and verified with the printed secret, the log, a redelivery, removal,
and bad input refused."""

from __future__ import annotations

from typing import Any

from standardwebhooks import Webhook

from tests.e2e.conftest import Run
from tests.waiting import wait_until
from tests.webhook_receiver import Receiver


def test_webhook_add_list_deliver_redeliver_rm(sparkq: Run, queue: str) -> None:
    bad = sparkq("webhook", "add", "ftp://example.org/hook")
    assert bad.code == 1 and "ftp://example.org/hook" in bad.err and "url" in bad.err
    assert sparkq("webhook", "add").code == 2
    with Receiver({"/hook": [200]}) as receiver:
        added = sparkq(
            "webhook", "add", receiver.url("/hook"), "--event", "task.enqueued", "--queue", queue
        )
        assert added.code == 0, added.err
        assert f"task.enqueued of queue {queue} → {receiver.url('/hook')}" in added.out
        secret = added.out.split("secret: ")[1].split()[0]
        listing = sparkq("webhooks").out
        hook_id = added.out.split("added webhook ")[1].split(":")[0]
        assert hook_id in listing and "task.enqueued" in listing and queue in listing
        assert "whsec_" not in listing

        assert sparkq("enqueue", queue, "run-bash", "--script", "echo hi").code == 0
        [hit] = wait_until(lambda: receiver.hits("/hook"), what="the delivery")
        assert Webhook(secret).verify(hit.body, hit.headers)["type"] == "task.enqueued"

        def delivered() -> dict[str, Any] | None:
            found = sparkq("webhook", "deliveries", "--json").json()["deliveries"]
            return found[0] if found and found[0]["status"] == "delivered" else None

        delivery = wait_until(delivered, what="the delivery logged as delivered")
        assert delivery["webhook_id"] == hook_id and delivery["id"] == hit.headers["webhook-id"]
        again = sparkq("webhook", "redeliver", delivery["id"])
        assert again.code == 0 and "will be sent again" in again.out
        wait_until(lambda: len(receiver.hits("/hook")) == 2, what="the redelivery")
        assert receiver.hits("/hook")[1].headers["webhook-id"] == delivery["id"]
        table = sparkq("webhook", "deliveries", "--webhook", hook_id).out
        assert delivery["id"] in table and "task.enqueued" in table

    removed = sparkq("webhook", "rm", hook_id)
    assert removed.code == 0 and hook_id in removed.out
    gone = sparkq("webhook", "rm", hook_id)
    assert gone.code == 1 and hook_id in gone.err
