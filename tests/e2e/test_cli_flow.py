"""Unique keys and dependencies from the installed CLI: ``enqueue --unique KEY`` says when it
created nothing, ``--after ID`` (repeatable) blocks the task, ``task ID`` shows what it waits
for; refusals exit 2 (a bad key) or 1 (an unknown task) naming the value."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_unique_and_after(sparkq: Run, queue: str) -> None:
    first = sparkq("enqueue", queue, "run-bash", "-s", "true", "--unique", "nightly", "--json")
    assert first.code == 0, first.err
    assert (first.json()["unique_key"], first.json()["duplicate"]) == ("nightly", False)
    again = sparkq("enqueue", queue, "run-bash", "-s", "true", "--unique", "nightly")
    assert again.code == 0, again.err
    assert "not enqueued" in again.out and "BACKEND-0001" in again.out and "nightly" in again.out
    assert "BACKEND-0002" not in sparkq("tasks", queue).out
    empty = sparkq("enqueue", queue, "run-bash", "-s", "true", "--unique", "")
    assert empty.code == 2 and "unique_key" in empty.err
    _after_blocks_until_the_dependencies_succeed(sparkq, queue)


def _after_blocks_until_the_dependencies_succeed(sparkq: Run, queue: str) -> None:
    one = sparkq("enqueue", queue, "run-bash", "-s", "true", "--json").json()
    two = sparkq("enqueue", queue, "run-bash", "-s", "true", "--json").json()
    after = ("--after", one["friendly_id"], "--after", two["friendly_id"])
    made = sparkq("enqueue", queue, "run-bash", "-s", "true", *after)
    assert made.code == 0, made.err
    assert "blocked by" in made.out and one["id"] in made.out and two["id"] in made.out
    blocked = made.out.split()[1]  # "enqueued BACKEND-000N (tsk_…) in …"
    shown = sparkq("task", blocked)
    assert shown.code == 0 and "blocked" in shown.out and "waits for" in shown.out
    assert sparkq("claim", queue, "--id", one["friendly_id"]).code == 0
    assert sparkq("complete", one["friendly_id"]).code == 0
    waits = [line for line in sparkq("task", blocked).out.splitlines() if "waits" in line]
    assert len(waits) == 1 and one["id"] not in waits[0] and two["id"] in waits[0]
    unknown = sparkq("enqueue", queue, "run-bash", "-s", "true", "--after", "BACKEND-0099")
    assert unknown.code == 1 and "BACKEND-0099" in unknown.err
