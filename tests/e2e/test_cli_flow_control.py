"""Flow control from the command line: ``sparkq queue limit`` (and, below, schedules)."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_queue_limit_sets_shows_and_clears(sparkq: Run, queue: str) -> None:
    made = sparkq("queue", "limit", queue, "--concurrency", "2", "--rate", "10/min", "--json")
    assert made.code == 0, made.err
    assert (made.json()["concurrency"], made.json()["rate_limit"]) == (2, {"limit": 10, "per": 60})
    shown = sparkq("queue", "show", queue)
    assert "concurrency 2, rate 10/60s" in shown.out
    said = sparkq("queue", "limit", queue, "--rate", "5/s")
    assert said.code == 0 and "concurrency 2, rate 5/1s" in said.out
    cleared = sparkq("queue", "limit", queue, "--no-concurrency", "--rate", "none", "--json")
    assert cleared.code == 0
    assert (cleared.json()["concurrency"], cleared.json()["rate_limit"]) == (None, None)
    zero = sparkq("queue", "limit", queue, "--concurrency", "0")
    assert zero.code == 1 and "concurrency 0" in zero.err  # refused by the daemon
    no_rate = sparkq("queue", "limit", queue, "--rate", "0/min")
    assert no_rate.code == 1 and "rate_limit.limit 0" in no_rate.err
    garbled = sparkq("queue", "limit", queue, "--rate", "ten a minute")
    assert garbled.code == 2 and "N/s, N/min or N/h" in garbled.err


def test_schedule_add_list_run_pause_resume_delete(sparkq: Run, queue: str) -> None:
    made = sparkq(
        "schedule",
        "add",
        "nightly",
        "--queue",
        queue,
        "--cron",
        "0 3 * * *",
        "--tz",
        "Europe/Berlin",
        "run-bash",
        "--script",
        "make report",
        "--json",
    )
    assert made.code == 0, made.err
    assert (made.json()["cron"], made.json()["timezone"]) == ("0 3 * * *", "Europe/Berlin")
    every = sparkq(
        "schedule", "add", "tick", "-q", queue, "--every", "30s", "run-bash", "-s", "true"
    )
    assert every.code == 0 and "every 30s" in every.out
    listed = sparkq("schedules")
    assert listed.code == 0 and "nightly" in listed.out and "tick" in listed.out
    assert "cron 0 3 * * * Europe/Berlin" in listed.out
    ran = sparkq("schedule", "run", "nightly")
    assert ran.code == 0 and "BACKEND-0001" in ran.out
    task = sparkq("task", "BACKEND-0001", "--json").json()
    assert task["schedule_id"] == made.json()["id"] and task["payload"] == {"script": "make report"}
    assert sparkq("schedule", "pause", "tick").code == 0
    assert "paused" in sparkq("schedule", "show", "tick").out
    assert sparkq("schedule", "delete", "tick").code == 0
    assert "tick" not in sparkq("schedules").out

    def add(*when: str):
        return sparkq("schedule", "add", "bad", "-q", queue, *when, "run-bash", "-s", "true")

    wrong_order = add("--cron", "0 3 * * * 30")
    assert wrong_order.code == 1 and "seconds first" in wrong_order.err
    zero = add("--every", "0")
    assert zero.code == 1 and "every 0" in zero.err
    neither = sparkq("schedule", "add", "bad", "-q", queue, "run-bash", "-s", "true")
    assert neither.code == 2
