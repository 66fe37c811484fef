"""The time and failure commands end to end: enqueue with --delay/--at/--ttl/--max-attempts/
--backoff, reschedule, cancel, requeue-failed, task --events — and their refusals (exit 2
with the daemon's message, naming the value)."""

from __future__ import annotations

from datetime import datetime

from tests.e2e.conftest import Run


def test_enqueue_with_a_delay_and_retries_then_reschedule(sparkq: Run, queue: str) -> None:
    made = sparkq(
        "enqueue",
        queue,
        "run-bash",
        "-s",
        "true",
        "--delay",
        "10m",
        "--max-attempts",
        "3",
        "--backoff",
        "exp:10s:1h",
        "--ttl",
        "2h",
        "--json",
    )
    assert made.code == 0, made.err
    task = made.json()
    assert (task["status"], task["max_attempts"]) == ("scheduled", 3)
    assert task["backoff"]["type"] == "exponential" and task["backoff"]["max_delay"] == 3600
    due = datetime.fromisoformat(task["run_at"]) - datetime.fromisoformat(task["created_at"])
    assert 599 <= due.total_seconds() <= 601
    shown = sparkq("task", "BACKEND-0001")
    assert shown.code == 0 and "0/3" in shown.out and "due" in shown.out
    assert sparkq("claim", queue, "--json").out.strip() == "null"
    now = sparkq("reschedule", "BACKEND-0001", "--delay", "0")
    assert now.code == 0 and "queued" in now.out
    later = sparkq("reschedule", "BACKEND-0001", "--at", "2099-01-01T00:00")
    assert later.code == 2 and "more than a year away" in later.err
    moved = sparkq("reschedule", "BACKEND-0001", "--delay", "5m", "--json")
    assert moved.code == 0 and moved.json()["status"] == "scheduled"


def test_at_takes_a_local_time(sparkq: Run, queue: str) -> None:
    soon = datetime.now().replace(microsecond=0).isoformat(timespec="minutes")
    made = sparkq("enqueue", queue, "run-bash", "-s", "true", "--at", soon, "--json")
    assert made.code == 0, made.err
    assert made.json()["status"] in ("queued", "scheduled")
    when = datetime.fromisoformat(made.json()["run_at"])
    assert when.astimezone().replace(tzinfo=None).isoformat(timespec="minutes") == soon


def test_cancel_requeue_failed_and_the_timeline(sparkq: Run, queue: str) -> None:
    for _ in range(2):
        assert sparkq("enqueue", queue, "run-bash", "-s", "false").code == 0
    assert sparkq("claim", queue).code == 0
    assert sparkq("fail", "BACKEND-0001", "exit status 1").code == 0
    cancelled = sparkq("cancel", "BACKEND-0002", "-m", "not needed")
    assert cancelled.code == 0 and "BACKEND-0002 cancelled" in cancelled.out
    again = sparkq("cancel", "BACKEND-0002")
    assert again.code == 1 and "is cancelled" in again.err
    failed = sparkq("tasks", "--status", "failed,cancelled", "--json").json()
    assert {t["status"] for t in failed["tasks"]} == {"failed", "cancelled"}
    assert "requeued 0" in sparkq("requeue-failed", queue, "--reason", "timeout").out
    redrive = sparkq("requeue-failed", queue)
    assert redrive.code == 0 and "requeued 1 failed tasks" in redrive.out
    events = sparkq("task", "BACKEND-0001", "--events", "--json").json()["events"]
    assert [e["type"] for e in events] == ["enqueued", "claimed", "failed", "requeued"]
    table = sparkq("task", "BACKEND-0001", "--events")
    assert table.code == 0 and "claimed" in table.out and "reason=error" in table.out


def test_bad_time_and_retry_options_exit_2_naming_the_value(sparkq: Run, queue: str) -> None:
    cases = [
        (["--delay", "soon"], "'soon' is not a duration"),
        (["--ttl", "-5"], "'-5' is not a duration"),
        (["--at", "tomorrow"], "'tomorrow' is not a time"),
        (["--backoff", "linear:10s"], "'linear:10s' is not a backoff"),
        (["--max-attempts", "0"], "max_attempts 0"),
        (["--max-attempts", "101"], "max_attempts 101"),
        (["--backoff", "fixed:0"], "backoff.delay 0"),
        (["--ttl", "0"], "ttl 0"),
        (["--delay", "400d"], "more than a year away"),
        (["--delay", "1m", "--at", "2030-01-01T00:00"], "not allowed with argument"),
    ]
    for options, message in cases:
        refused = sparkq("enqueue", queue, "run-bash", "-s", "true", *options)
        assert refused.code == 2, (options, refused.err)
        assert message in refused.err, (options, refused.err)
    assert sparkq("tasks", "--json").json()["total"] == 0
    assert sparkq("reschedule", "BACKEND-0001").code == 2


def test_task_classes_carry_retry_defaults(sparkq: Run, queue: str) -> None:
    added = sparkq(
        "task-classes", "add", "FLAKY", "-t", "60", "--max-attempts", "3", "--backoff", "fixed:30s"
    )
    assert added.code == 0, added.err
    listing = sparkq("task-classes")
    assert "FLAKY" in listing.out and "fixed:30s:3600s" in listing.out
    made = sparkq(
        "enqueue", queue, "run-bash", "-s", "true", "--task-class", "FLAKY", "--json"
    ).json()
    assert (made["max_attempts"], made["backoff"]["delay"]) == (3, 30)
    bad = sparkq("task-classes", "add", "FLAKY", "-t", "60", "--max-attempts", "0")
    assert bad.code == 2 and "max_attempts 0" in bad.err
