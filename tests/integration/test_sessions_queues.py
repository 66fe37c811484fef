"""session.* and queue.* over the real socket."""

from __future__ import annotations

from tests.integration.statuses import ZERO_COUNTS
from tests.wire import Wire


def test_session_lifecycle(wire: Wire) -> None:
    created = wire.call("session.create", name="sprint 1", description="first")
    assert created["id"].startswith("ses_")
    assert created["status"] == "active"
    assert wire.call("session.get", session="sprint 1")["id"] == created["id"]
    assert wire.call("session.get", session=created["id"])["name"] == "sprint 1"
    ended = wire.call("session.end", session="sprint 1")
    assert ended["status"] == "ended"
    assert ended["ended_at"]
    assert [s["name"] for s in wire.call("session.list", status="ended")["sessions"]] == [
        "sprint 1"
    ]
    assert wire.call("session.list", status="active")["sessions"] == []
    assert wire.call("session.delete", session=created["id"]) == {"deleted": True}
    error = wire.error("session.get", session="sprint 1")
    assert error["code"] == -32004
    assert "sprint 1" in error["message"]


def test_duplicate_session_name_is_a_conflict(wire: Wire) -> None:
    wire.call("session.create", name="dup")
    error = wire.error("session.create", name="dup")
    assert error["code"] == -32009
    assert "dup" in error["message"]


def test_bad_names_are_named_in_the_error(wire: Wire) -> None:
    for bad in ["", "   ", "a" * 129, "tab\there", "new\nline", "semi;colon"]:
        error = wire.error("session.create", name=bad)
        assert error["code"] == -32602, bad
        assert error["data"]["field"] == "name"
    error = wire.error("session.create", name=5)
    assert "5" in error["message"]


def test_missing_and_unknown_params(wire: Wire) -> None:
    error = wire.error("queue.create", name="q")
    assert error["code"] == -32602
    assert "session" in error["message"]
    error = wire.error("session.create", name="x", colour="red")
    assert error["code"] == -32602
    assert "colour" in error["message"]


def test_queue_lifecycle_and_derived_status(wire: Wire) -> None:
    wire.call("session.create", name="s")
    queue = wire.call("queue.create", name="backend", session="s", instructions="be nice")
    assert queue["id"].startswith("que_")
    assert queue["status"] == "idle"
    assert queue["counts"] == {
        **ZERO_COUNTS,
        "queued": 0,
        "running": 0,
        "succeeded": 0,
        "failed": 0,
    }
    wire.call("task.enqueue", queue="backend", tool="run-bash")
    assert wire.call("queue.get", queue="backend")["status"] == "planned"
    wire.call("task.claim", queue="backend")
    assert wire.call("queue.get", queue=queue["id"])["status"] == "active"
    assert wire.call("queue.pause", queue="backend")["paused"] is True
    assert wire.call("queue.resume", queue="backend")["paused"] is False
    updated = wire.call("queue.update", queue="backend", name="backend2", instructions="x")
    assert (updated["name"], updated["instructions"]) == ("backend2", "x")
    assert wire.call("queue.end", queue="backend2")["status"] == "ended"
    error = wire.error("task.enqueue", queue="backend2", tool="run-bash")
    assert error["code"] == -32009
    assert "ended" in error["message"]
    assert wire.call("queue.archive", queue="backend2")["status"] == "archived"
    assert wire.call("queue.list")["queues"] == []
    listed = wire.call("queue.list", include_archived=True)["queues"]
    assert [q["name"] for q in listed] == ["backend2"]
    assert wire.call("queue.unarchive", queue="backend2")["status"] == "active"
    assert wire.call("queue.delete", queue="backend2") == {"deleted": True}
    assert wire.error("queue.get", queue="backend2")["code"] == -32004


def test_duplicate_queue_name_and_friendly_prefixes(wire: Wire) -> None:
    wire.call("session.create", name="s")
    wire.call("queue.create", name="a b", session="s")
    wire.call("queue.create", name="a-b", session="s")
    assert wire.error("queue.create", name="a b", session="s")["code"] == -32009
    first = wire.call("task.enqueue", queue="a b", tool="run-bash")
    second = wire.call("task.enqueue", queue="a-b", tool="run-bash")
    assert first["friendly_id"] == "A-B-0001"
    assert second["friendly_id"] == "A-B2-0001"
    assert wire.call("task.get", id="A-B2-0001")["id"] == second["id"]


def test_session_delete_takes_queues_and_tasks(wire: Wire) -> None:
    wire.call("session.create", name="s")
    wire.call("queue.create", name="q", session="s")
    task = wire.call("task.enqueue", queue="q", tool="run-bash")
    wire.call("session.delete", session="s")
    assert wire.error("task.get", id=task["id"])["code"] == -32004
    assert wire.call("system.stats")["tasks"]["queued"] == 0


def test_ended_session_refuses_new_queues(wire: Wire) -> None:
    wire.call("session.create", name="s")
    wire.call("queue.create", name="q", session="s")
    wire.call("session.end", session="s")
    assert wire.call("queue.get", queue="q")["status"] == "ended"
    assert wire.error("queue.create", name="q2", session="s")["code"] == -32009


def test_queue_list_filters(wire: Wire) -> None:
    wire.call("session.create", name="s1")
    wire.call("session.create", name="s2")
    wire.call("queue.create", name="q1", session="s1")
    wire.call("queue.create", name="q2", session="s2")
    wire.call("task.enqueue", queue="q2", tool="run-bash")
    assert [q["name"] for q in wire.call("queue.list", session="s1")["queues"]] == ["q1"]
    assert [q["name"] for q in wire.call("queue.list", status="planned")["queues"]] == ["q2"]
    assert wire.error("queue.list", status="sleepy")["code"] == -32602


def test_deleting_a_large_queue_and_session_keeps_counts_right(wire: Wire) -> None:
    wire.call("session.create", name="big")
    wire.call("queue.create", name="q1", session="big")
    wire.call("queue.create", name="q2", session="big")
    wire.call("session.create", name="keep")
    wire.call("queue.create", name="kept", session="keep")
    for _ in range(6):
        wire.call("task.enqueue_batch", queue="q1", tasks=[{"tool": "run-bash"}] * 1000)
    wire.call("task.enqueue_batch", queue="q2", tasks=[{"tool": "run-bash"}] * 10)
    wire.call("task.enqueue", queue="kept", tool="run-bash")
    assert wire.call("queue.delete", queue="q1") == {"deleted": True}
    assert wire.call("system.stats")["tasks"]["queued"] == 11
    assert wire.call("session.delete", session="big") == {"deleted": True}
    stats = wire.call("system.stats")
    assert (stats["tasks"]["queued"], stats["queues"], stats["sessions"]) == (1, 1, 1)
    assert wire.error("session.delete", session="big")["code"] == -32004


def test_pause_and_resume_of_an_ended_or_archived_queue_are_refused(wire: Wire) -> None:
    wire.call("session.create", name="s")
    wire.call("queue.create", name="done", session="s")
    wire.call("queue.end", queue="done")
    for method in ("queue.resume", "queue.pause"):
        error = wire.error(method, queue="done")
        assert (error["code"], error["data"]["type"]) == (-32009, "Conflict")
        assert "'done'" in error["message"] and "ended" in error["message"]
        assert error["data"]["status"] == "ended"
    wire.call("queue.archive", queue="done")
    error = wire.error("queue.resume", queue="done")
    assert error["code"] == -32009
    assert "archived" in error["message"] and "unarchive" in error["message"]
    queue = wire.call("queue.get", queue="done")
    assert (queue["status"], queue["paused"]) == ("archived", False)
