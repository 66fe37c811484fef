"""``sparkq session …`` and ``sparkq queue …`` end to end."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_session_lifecycle(sparkq: Run) -> None:
    assert "no sessions yet" in sparkq("sessions").out
    created = sparkq("session", "create", "demo", "-d", "first try", "--json").json()
    assert created["name"] == "demo" and created["status"] == "active"
    listing = sparkq("sessions")
    assert "demo" in listing.out and "first try" in listing.out
    by_id = sparkq("session", "show", created["id"], "--json").json()
    assert by_id["name"] == "demo"
    assert "first try" in sparkq("session", "show", "demo").out
    assert sparkq("session", "end", "demo", "--json").json()["status"] == "ended"
    assert sparkq("session", "list", "--status", "active", "--json").json()["sessions"] == []

    duplicate = sparkq("session", "create", "other")
    assert duplicate.code == 0
    assert sparkq("session", "create", "other").code == 1

    unconfirmed = sparkq("session", "delete", "demo")
    assert unconfirmed.code == 2 and "--yes" in unconfirmed.err
    assert sparkq("session", "delete", "demo", "--yes").code == 0
    gone = sparkq("session", "show", "demo")
    assert gone.code == 1 and "demo" in gone.err


def test_queue_lifecycle(sparkq: Run) -> None:
    sparkq("session", "create", "demo")
    assert "no queues yet" in sparkq("queues").out
    created = sparkq("queue", "create", "backend", "--session", "demo", "-i", "be brief", "--json")
    assert created.code == 0
    queue = created.json()
    assert queue["name"] == "backend" and queue["instructions"] == "be brief"
    table = sparkq("queues").out
    assert "backend" in table and "demo" in table

    assert sparkq("queue", "pause", "backend", "--json").json()["paused"] is True
    assert sparkq("queue", "resume", queue["id"], "--json").json()["paused"] is False
    renamed = sparkq("queue", "update", "backend", "--name", "api", "--json").json()
    assert renamed["name"] == "api"
    assert sparkq("queue", "update", "api").code == 2
    assert "be brief" in sparkq("queue", "show", "api").out

    assert sparkq("queue", "archive", "api", "--json").json()["status"] == "archived"
    assert sparkq("queues", "--json").json()["queues"] == []
    assert [q["name"] for q in sparkq("queue", "list", "--all", "--json").json()["queues"]] == [
        "api"
    ]
    assert sparkq("queue", "unarchive", "api", "--json").json()["status"] != "archived"
    assert sparkq("queue", "end", "api", "--json").json()["status"] == "ended"
    refused = sparkq("enqueue", "api", "run-bash", "-s", "x")
    assert refused.code == 1 and "api" in refused.err

    assert sparkq("queue", "create", "x", "--session", "nope").code == 1
    assert sparkq("queue", "create", "x").code == 2
    assert sparkq("queue", "delete", "api", "-y").code == 0
    assert sparkq("queue", "show", "api").code == 1


def test_resume_of_an_ended_queue_is_refused(sparkq: Run, queue: str) -> None:
    assert sparkq("queue", "end", queue).code == 0
    refused = sparkq("queue", "resume", queue)
    assert refused.code == 1
    assert queue in refused.err and "ended" in refused.err
    assert "resumed" not in refused.out


def test_names_in_any_script_end_to_end(sparkq: Run) -> None:
    assert sparkq("session", "create", "équipe").code == 0
    assert sparkq("queue", "create", "données", "--session", "équipe").code == 0
    added = sparkq("enqueue", "données", "run-bash", "-s", "echo hi", "--json")
    assert added.code == 0, added.err
    assert added.json()["friendly_id"] == "DONNÉES-0001"
    assert sparkq("task", "données-0001", "--json").json()["queue_name"] == "données"
    assert "données" in sparkq("queues").out
    refused = sparkq("queue", "create", "a/b", "--session", "équipe")
    assert refused.code == 1
    assert "'a/b'" in refused.err and "letters (any script)" in refused.err
