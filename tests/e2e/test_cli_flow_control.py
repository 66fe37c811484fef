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


def test_queue_limit_refusals_name_the_value(sparkq: Run, queue: str) -> None:
    zero = sparkq("queue", "limit", queue, "--concurrency", "0")
    assert zero.code == 1 and "concurrency 0" in zero.err  # refused by the daemon
    no_rate = sparkq("queue", "limit", queue, "--rate", "0/min")
    assert no_rate.code == 1 and "rate_limit.limit 0" in no_rate.err
    garbled = sparkq("queue", "limit", queue, "--rate", "ten a minute")
    assert garbled.code == 2 and "N/s, N/min or N/h" in garbled.err
    both = sparkq("queue", "limit", queue, "--rate", "1/s", "--no-rate")
    assert both.code == 2
