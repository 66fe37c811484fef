"""``enqueue_many``: task.enqueue calls pipelined on one connection with a bounded window."""

from __future__ import annotations

import pytest

from sparkq_tui.client import AsyncClient, Client
from sparkq_tui.errors import ValidationError
from tests.daemon_process import DaemonProcess


async def _queue(client: AsyncClient) -> str:
    await client.call("session.create", name="work")
    await client.call("queue.create", name="jobs", session="work")
    return "jobs"


@pytest.mark.parametrize("window", [1, 7, 64])
async def test_tasks_come_back_in_the_order_of_the_items(
    daemon: DaemonProcess, window: int
) -> None:
    async with AsyncClient(daemon.socket) as c:
        queue = await _queue(c)
        items = [{"tool": "run-bash", "payload": {"n": n}, "priority": n % 3} for n in range(200)]
        tasks = await c.enqueue_many(queue, items, window=window)
        assert [t["payload"]["n"] for t in tasks] == list(range(200))
        assert len({t["id"] for t in tasks}) == 200
        assert (await c.call("queue.get", queue=queue))["counts"]["queued"] == 200


async def test_the_first_refusal_stops_sending_and_is_raised(daemon: DaemonProcess) -> None:
    async with AsyncClient(daemon.socket) as c:
        queue = await _queue(c)
        items = (
            [{"tool": "run-bash"}] * 5 + [{"tool": "no-such-tool"}] + [{"tool": "run-bash"}] * 50
        )
        with pytest.raises(ValidationError) as caught:
            await c.enqueue_many(queue, items, window=2)
        assert "no-such-tool" in caught.value.message
        queued = (await c.call("queue.get", queue=queue))["counts"]["queued"]
        assert 5 <= queued <= 5 + 2  # what was sent before the refusal stays; no more is sent


def test_sync_client_with_return_exceptions_tries_every_item(daemon: DaemonProcess) -> None:
    with Client(daemon.socket) as c:
        c.call("session.create", name="work")
        c.call("queue.create", name="jobs", session="work")
        items = [{"tool": "run-bash"}, {"tool": "nope"}, {"tool": "run-bash", "priority": "high"}]
        outcomes = c.enqueue_many("jobs", items, return_exceptions=True)
        assert outcomes[0]["status"] == "queued"
        assert isinstance(outcomes[1], ValidationError) and "nope" in outcomes[1].message
        assert isinstance(outcomes[2], ValidationError) and "high" in outcomes[2].message
        with pytest.raises(ValueError, match="window"):
            c.enqueue_many("jobs", items, window=0)
