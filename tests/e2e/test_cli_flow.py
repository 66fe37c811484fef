"""Unique keys and dependencies from the installed CLI: ``enqueue --unique KEY`` says when it
created nothing, ``--after ID`` (repeatable) blocks the task, ``task ID`` shows what it waits
for; refusals exit 2 (a bad key) or 1 (an unknown task) naming the value."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_unique_creates_one_task_and_says_so(sparkq: Run, queue: str) -> None:
    first = sparkq("enqueue", queue, "run-bash", "-s", "true", "--unique", "nightly", "--json")
    assert first.code == 0, first.err
    assert (first.json()["unique_key"], first.json()["duplicate"]) == ("nightly", False)
    again = sparkq("enqueue", queue, "run-bash", "-s", "true", "--unique", "nightly")
    assert again.code == 0, again.err
    assert "not enqueued" in again.out and "BACKEND-0001" in again.out and "nightly" in again.out
    assert "BACKEND-0002" not in sparkq("tasks", queue).out
    empty = sparkq("enqueue", queue, "run-bash", "-s", "true", "--unique", "")
    assert empty.code == 2 and "unique_key" in empty.err


def test_after_blocks_until_the_dependencies_succeed(sparkq: Run, queue: str) -> None:
    one = sparkq("enqueue", queue, "run-bash", "-s", "true", "--json").json()
    two = sparkq("enqueue", queue, "run-bash", "-s", "true", "--json").json()
    made = sparkq(
        "enqueue",
        queue,
        "run-bash",
        "-s",
        "true",
        "--after",
        "BACKEND-0001",
        "--after",
        "BACKEND-0002",
    )
    assert made.code == 0, made.err
    assert "BACKEND-0003" in made.out and "blocked by" in made.out
    shown = sparkq("task", "BACKEND-0003")
    assert shown.code == 0 and "blocked" in shown.out and "waits for" in shown.out
    assert one["id"] in shown.out and two["id"] in shown.out
    assert sparkq("claim", queue, "--id", "BACKEND-0001").code == 0
    assert sparkq("complete", "BACKEND-0001").code == 0
    waits = [line for line in sparkq("task", "BACKEND-0003").out.splitlines() if "waits" in line]
    assert len(waits) == 1 and one["id"] not in waits[0] and two["id"] in waits[0]
    unknown = sparkq("enqueue", queue, "run-bash", "-s", "true", "--after", "BACKEND-0099")
    assert unknown.code == 1 and "BACKEND-0099" in unknown.err
