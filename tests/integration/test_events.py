"""events.subscribe: order, seq, topics, overflow."""

from __future__ import annotations

from tests.daemon_process import DaemonProcess
from tests.wire import Wire


def _events(w: Wire, n: int) -> list[dict]:
    out = []
    while len(out) < n:
        message = w.read()
        if message.get("method") == "event":
            out.append(message["params"])
    return out


def test_events_arrive_in_order_with_rising_seq(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as listener, Wire(daemon.socket) as actor:
        assert listener.call("events.subscribe") == {"subscribed": ["queue", "session", "task"]}
        actor.call("session.create", name="s")
        actor.call("queue.create", name="q", session="s")
        task = actor.call("task.enqueue", queue="q", tool="run-bash")
        actor.call("task.claim", queue="q")
        actor.call("task.complete", id=task["id"])
        events = _events(listener, 5)
    types = [e["type"] for e in events]
    assert types == [
        "session.created",
        "queue.created",
        "task.enqueued",
        "task.claimed",
        "task.completed",
    ]
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    done = events[-1]
    assert (done["topic"], done["id"], done["status"]) == ("task", task["id"], "succeeded")
    assert done["queue_id"] == task["queue_id"]
    assert done["at"].endswith("+00:00")


def test_topic_filter_and_bad_topic(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as listener, Wire(daemon.socket) as actor:
        listener.call("events.subscribe", topics=["task"])
        actor.call("session.create", name="s")
        actor.call("queue.create", name="q", session="s")
        actor.call("task.enqueue", queue="q", tool="run-bash")
        assert _events(listener, 1)[0]["type"] == "task.enqueued"
        error = listener.error("events.subscribe", topics=["weather"])
        assert (error["code"], "weather" in error["message"]) == (-32602, True)


def test_slow_subscriber_gets_overflow_and_daemon_keeps_serving(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as slow, Wire(daemon.socket) as actor:
        slow.call("events.subscribe", topics=["task"])
        actor.call("session.create", name="s")
        actor.call("queue.create", name="q", session="s")
        batch = [{"tool": "run-bash", "payload": {"pad": "x" * 2000}} for _ in range(1000)]
        for _ in range(30):  # 30 000 events with a reader that does not read
            actor.call("task.enqueue_batch", queue="q", tasks=batch)
        assert actor.call("system.stats")["tasks"]["queued"] == 30_000
        seen_overflow = False
        while True:
            message = slow.read()
            if message.get("method") == "events.overflow":
                seen_overflow = True
                break
        assert seen_overflow
        assert slow.call("system.ping")


def test_catalog_topic_reports_tool_class_and_prompt_changes(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as listener, Wire(daemon.socket) as actor:
        assert listener.call("events.subscribe", topics=["catalog"]) == {"subscribed": ["catalog"]}
        actor.call("task_class.upsert", name="HUGE", timeout=3600)
        actor.call("tool.upsert", name="llm-big", task_class="HUGE")
        actor.call("prompt.create", command="fix", label="Fix", template_text="Fix {input}")
        actor.call("prompt.update", command="fix", label="Repair")
        actor.call("prompt.delete", command="fix")
        actor.call("tool.delete", name="llm-big")
        actor.call("task_class.delete", name="HUGE")
        events = _events(listener, 7)
    seen = [(e["topic"], e["type"], e.get("name") or e.get("command")) for e in events]
    assert seen == [
        ("catalog", "task_class.upserted", "HUGE"),
        ("catalog", "tool.upserted", "llm-big"),
        ("catalog", "prompt.created", "fix"),
        ("catalog", "prompt.updated", "fix"),
        ("catalog", "prompt.deleted", "fix"),
        ("catalog", "tool.deleted", "llm-big"),
        ("catalog", "task_class.deleted", "HUGE"),
    ]
