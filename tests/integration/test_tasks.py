"""task.* over the real socket."""

from __future__ import annotations

import json

from tests.integration.statuses import ZERO_COUNTS
from tests.wire import Wire


def test_enqueue_fills_every_field(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash", payload={"script": "echo 1"})
    assert task["id"].startswith("tsk_")
    assert task["friendly_id"] == "JOBS-0001"
    assert task["queue_name"] == queue
    assert task["status"] == "queued"
    assert task["task_class"] == "MEDIUM_SCRIPT"
    assert task["timeout"] == 600
    assert task["payload"] == {"script": "echo 1"}
    assert task["created_at"].endswith("+00:00")
    fields = [
        "id",
        "friendly_id",
        "queue_id",
        "queue_name",
        "tool",
        "task_class",
        "payload",
        "status",
        "priority",
        "timeout",
        "attempts",
        "worker",
        "result",
        "error",
        "stdout",
        "stderr",
        "created_at",
        "updated_at",
        "claimed_at",
        "heartbeat_at",
        "finished_at",
        "stale_warned_at",
    ]
    assert set(fields) <= set(task)


def test_enqueue_validation(wire: Wire, queue: str) -> None:
    assert wire.error("task.enqueue", queue=queue, tool="nope")["code"] == -32602
    error = wire.error("task.enqueue", queue=queue, tool="run-bash", task_class="HUGE")
    assert error["code"] == -32602
    assert "HUGE" in error["message"]
    error = wire.error("task.enqueue", queue=queue, tool="run-bash", timeout=-1)
    assert error["code"] == -32602
    assert "-1" in error["message"]
    big = "x" * (1024 * 1024)
    error = wire.error("task.enqueue", queue=queue, tool="run-bash", payload=big)
    assert error["code"] == -32602
    assert "1 MiB" in error["message"]
    assert wire.error("task.enqueue", queue="ghost", tool="run-bash")["code"] == -32004
    error = wire.error("task.enqueue", queue=queue, tool="run-bash", priority="high")
    assert error["data"]["field"] == "priority"


def test_timeout_and_class_override(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="llm-haiku", task_class="FAST_SCRIPT")
    assert (task["task_class"], task["timeout"]) == ("FAST_SCRIPT", 120)
    task = wire.call("task.enqueue", queue=queue, tool="llm-haiku", timeout=5)
    assert (task["task_class"], task["timeout"]) == ("LLM_LITE", 5)


def test_batch_is_all_or_none(wire: Wire, queue: str) -> None:
    tasks = [{"tool": "run-bash", "payload": {"n": i}} for i in range(3)]
    result = wire.call("task.enqueue_batch", queue=queue, tasks=tasks)
    assert [t["friendly_id"] for t in result["tasks"]] == ["JOBS-0001", "JOBS-0002", "JOBS-0003"]
    bad = [{"tool": "run-bash"}, {"tool": "no-such-tool"}]
    error = wire.error("task.enqueue_batch", queue=queue, tasks=bad)
    assert error["code"] == -32602
    assert wire.call("queue.get", queue=queue)["counts"]["queued"] == 3
    error = wire.error("task.enqueue_batch", queue=queue, tasks=[{"tool": "run-bash"}] * 1001)
    assert "1001" in error["message"]
    assert wire.error("task.enqueue_batch", queue=queue, tasks=[])["code"] == -32602
    error = wire.error("task.enqueue_batch", queue=queue, tasks=[{"tool": "run-bash", "x": 1}])
    assert "tasks[0]" in error["message"]


def test_claim_order_priority_then_fifo_and_peek(wire: Wire, queue: str) -> None:
    low = wire.call("task.enqueue", queue=queue, tool="run-bash")
    high = wire.call("task.enqueue", queue=queue, tool="run-bash", priority=5)
    low2 = wire.call("task.enqueue", queue=queue, tool="run-bash")
    assert wire.call("task.peek", queue=queue)["task"]["id"] == high["id"]
    order = [wire.call("task.claim", queue=queue, worker="w")["task"]["id"] for _ in range(3)]
    assert order == [high["id"], low["id"], low2["id"]]
    assert wire.call("task.claim", queue=queue)["task"] is None
    assert wire.call("task.peek", queue=queue)["task"] is None


def test_paused_queue_gives_nothing(wire: Wire, queue: str) -> None:
    wire.call("task.enqueue", queue=queue, tool="run-bash")
    wire.call("queue.pause", queue=queue)
    assert wire.call("task.claim", queue=queue)["task"] is None
    assert wire.call("task.claim")["task"] is None
    wire.call("queue.resume", queue=queue)
    assert wire.call("task.claim")["task"]["status"] == "running"


def test_claim_by_id_and_conflicts(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash")
    claimed = wire.call("task.claim", id=task["friendly_id"], worker="alice")["task"]
    assert claimed["worker"] == "alice"
    assert claimed["attempts"] == 1
    error = wire.error("task.claim", id=task["id"], worker="bob")
    assert error["code"] == -32009
    assert "alice" in error["message"]
    error = wire.error("task.complete", id=task["id"], worker="bob")
    assert error["code"] == -32009


def test_complete_fail_and_their_conflicts(wire: Wire, queue: str) -> None:
    a = wire.call("task.enqueue", queue=queue, tool="run-bash")
    b = wire.call("task.enqueue", queue=queue, tool="run-bash")
    error = wire.error("task.complete", id=a["id"])
    assert error["code"] == -32009
    assert "queued" in error["message"]
    wire.call("task.claim", queue=queue)
    wire.call("task.claim", queue=queue)
    done = wire.call("task.complete", id=a["id"], result={"n": 1}, stdout="out", stderr="err")
    assert (done["status"], done["result"], done["stdout"], done["stderr"]) == (
        "succeeded",
        {"n": 1},
        "out",
        "err",
    )
    assert done["finished_at"]
    failed = wire.call("task.fail", id=b["id"], error="boom")
    assert (failed["status"], failed["error"]) == ("failed", "boom")
    assert wire.error("task.fail", id=b["id"], error="again")["code"] == -32009
    assert wire.error("task.fail", id=a["id"])["code"] == -32602


def test_heartbeat_requeue_rerun(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash", payload={"k": 1}, priority=2)
    assert wire.error("task.heartbeat", id=task["id"])["code"] == -32009
    wire.call("task.claim", queue=queue)
    beat = wire.call("task.heartbeat", id=task["id"])
    assert beat["heartbeat_at"]
    back = wire.call("task.requeue", id=task["id"])
    assert (back["status"], back["worker"], back["claimed_at"]) == ("queued", None, None)
    assert wire.error("task.requeue", id=task["id"])["code"] == -32009
    wire.call("task.claim", queue=queue)
    wire.call("task.fail", id=task["id"], error="x")
    assert wire.call("task.requeue", id=task["id"])["status"] == "queued"
    again = wire.call("task.rerun", id=task["id"])
    assert again["id"] != task["id"]
    assert (again["payload"], again["priority"], again["status"]) == ({"k": 1}, 2, "queued")


def test_requeue_by_a_worker_only_gives_back_its_own_running_task(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash")
    wire.call("task.claim", queue=queue, worker="alice")
    error = wire.error("task.requeue", id=task["id"], worker="bob")
    assert error["code"] == -32009
    assert "alice" in error["message"]
    back = wire.call("task.requeue", id=task["id"], worker="alice")
    assert (back["status"], back["worker"]) == ("queued", None)
    error = wire.error("task.requeue", id=task["id"], worker="alice")
    assert error["code"] == -32009
    assert "queued" in error["message"]


def test_update_only_queued(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash", payload={"a": 1})
    updated = wire.call("task.update", id=task["id"], payload={"a": 2}, priority=9, timeout=7)
    assert (updated["payload"], updated["priority"], updated["timeout"]) == ({"a": 2}, 9, 7)
    switched = wire.call("task.update", id=task["id"], tool="llm-haiku")
    assert (switched["tool"], switched["task_class"]) == ("llm-haiku", "LLM_LITE")
    wire.call("task.claim", queue=queue)
    assert wire.error("task.update", id=task["id"], priority=1)["code"] == -32009


def test_delete_and_not_found(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash")
    assert wire.call("task.delete", id=task["id"]) == {"deleted": True}
    error = wire.error("task.get", id=task["id"])
    assert (error["code"], error["data"]["id"]) == (-32004, task["id"])
    assert wire.call("queue.get", queue=queue)["counts"]["queued"] == 0


def test_list_filters_and_pages(wire: Wire, queue: str) -> None:
    wire.call("queue.create", name="other", session="work")
    tasks = [{"tool": "run-bash", "payload": {"script": f"echo {i}"}} for i in range(25)]
    wire.call("task.enqueue_batch", queue=queue, tasks=tasks)
    wire.call("task.enqueue", queue="other", tool="llm-haiku", payload={"prompt": "needle"})
    page = wire.call("task.list", queue=queue, limit=10)
    assert page["total"] == 25
    assert page["limit_applied"] == 10
    assert page["truncated"] is True
    assert page["tasks"][0]["friendly_id"] == "JOBS-0025"  # newest first
    last = wire.call("task.list", queue=queue, limit=10, offset=20)
    assert len(last["tasks"]) == 5
    assert last["truncated"] is False
    assert wire.call("task.list", search="needle")["total"] == 1
    assert wire.call("task.list", tool="llm-haiku")["tasks"][0]["queue_name"] == "other"
    assert wire.call("task.list", session="work")["total"] == 26
    assert wire.call("task.list", status="running")["total"] == 0
    assert wire.call("task.list", limit=5000)["limit_applied"] == 1000
    assert wire.error("task.list", status="done")["code"] == -32602
    assert wire.error("task.list", limit=0)["code"] == -32602


def test_list_by_several_statuses(wire: Wire, queue: str) -> None:
    tasks = [{"tool": "run-bash"} for _ in range(5)]
    wire.call("task.enqueue_batch", queue=queue, tasks=tasks)
    running = wire.call("task.claim", queue=queue, worker="w")["task"]
    failed = wire.call("task.claim", queue=queue, worker="w")["task"]
    wire.call("task.fail", id=failed["id"], error="no")
    both = wire.call("task.list", queue=queue, status=["running", "failed"])
    assert both["total"] == 2
    assert {t["id"] for t in both["tasks"]} == {running["id"], failed["id"]}
    searched = wire.call("task.list", status=["queued", "failed"], search="JOBS")
    assert searched["total"] == 4
    error = wire.error("task.list", status=["running", "done"])
    assert (error["code"], error["data"]["field"]) == (-32602, "status")
    assert "'done'" in error["message"]
    assert wire.error("task.list", status=[])["code"] == -32602


def test_claim_without_queue_takes_from_any_active_queue(wire: Wire, queue: str) -> None:
    wire.call("queue.create", name="q2", session="work")
    wire.call("task.enqueue", queue=queue, tool="run-bash")
    urgent = wire.call("task.enqueue", queue="q2", tool="run-bash", priority=1)
    assert wire.call("task.claim")["task"]["id"] == urgent["id"]


def test_stats(wire: Wire, queue: str) -> None:
    wire.call("task.enqueue", queue=queue, tool="run-bash")
    stats = wire.call("system.stats")
    assert stats["tasks"]["queued"] == 1
    assert (stats["queues"], stats["sessions"]) == (1, 1)
    assert stats["db_bytes"] > 0


def test_claim_limited_to_tools(wire: Wire, queue: str) -> None:
    bash = wire.call("task.enqueue", queue=queue, tool="run-bash")
    llm = wire.call("task.enqueue", queue=queue, tool="llm-haiku")
    got = wire.call("task.claim", queue=queue, tools=["llm-haiku", "llm-sonnet"])["task"]
    assert got["id"] == llm["id"]
    assert wire.call("task.claim", tools=["llm-haiku"])["task"] is None
    assert wire.call("task.claim", tools=["run-bash"])["task"]["id"] == bash["id"]
    assert wire.error("task.claim", tools=["bad;name"])["code"] == -32602


def test_one_refusal_in_a_group_does_not_undo_its_neighbours(wire: Wire, queue: str) -> None:
    batch = [
        {
            "jsonrpc": "2.0",
            "id": "claim",
            "method": "task.claim",
            "params": {"queue": queue, "wait": 3, "worker": "w"},
        },
        {
            "jsonrpc": "2.0",
            "id": "ghost",
            "method": "task.enqueue",
            "params": {"queue": "ghost", "tool": "run-bash"},
        },
        {
            "jsonrpc": "2.0",
            "id": "ok",
            "method": "task.enqueue",
            "params": {"queue": queue, "tool": "run-bash"},
        },
        {
            "jsonrpc": "2.0",
            "id": "bad-tool",
            "method": "task.enqueue",
            "params": {"queue": queue, "tool": "nope"},
        },
    ]
    wire.send_raw(json.dumps(batch).encode() + b"\n")
    replies = {r["id"]: r for r in wire.read()}
    assert replies["ghost"]["error"]["code"] == -32004
    assert replies["bad-tool"]["error"]["code"] == -32602
    made = replies["ok"]["result"]
    claimed = replies["claim"]["result"]["task"]
    assert claimed["id"] == made["id"]
    assert claimed["worker"] == "w"
    counts = wire.call("queue.get", queue=queue)["counts"]
    assert counts == {**ZERO_COUNTS, "queued": 0, "running": 1, "succeeded": 0, "failed": 0}
