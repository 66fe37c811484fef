"""The backoff policy: exponential and fixed waits, the cap, jitter from an injected source,
and the refusals of a bad backoff object naming its member and value."""

from __future__ import annotations

import pytest

from sparkq_daemon.errors import Validation
from sparkq_daemon.policy.backoff import base_delay, check, delay_before


def middle() -> float:
    return 0.5  # a random source at the centre of its range: no spread


@pytest.mark.parametrize(
    ("failed", "expected"), [(1, 10), (2, 20), (3, 40), (4, 80), (9, 2560), (10, 3600)]
)
def test_exponential_doubles_from_delay_up_to_the_default_cap(failed: int, expected: float) -> None:
    backoff = check({"type": "exponential", "delay": 10})
    assert delay_before(backoff, failed, middle) == expected


def test_fixed_waits_the_same_every_time_and_is_capped_too() -> None:
    backoff = check({"type": "fixed", "delay": 30})
    assert [delay_before(backoff, n, middle) for n in (1, 2, 7)] == [30, 30, 30]
    assert base_delay(check({"type": "fixed", "delay": 30, "max_delay": 5}), 1) == 5


def test_a_custom_cap_and_huge_attempt_numbers_do_not_overflow() -> None:
    backoff = check({"type": "exponential", "delay": 1, "max_delay": 60})
    assert delay_before(backoff, 7, middle) == 60
    assert delay_before(backoff, 5000, middle) == 60


def test_jitter_spreads_by_its_fraction_either_way() -> None:
    backoff = check({"type": "fixed", "delay": 100, "jitter": 0.2})
    assert delay_before(backoff, 1, lambda: 0.0) == pytest.approx(80)
    assert delay_before(backoff, 1, lambda: 0.999999) == pytest.approx(120, rel=1e-5)
    assert delay_before(check({"type": "fixed", "delay": 100, "jitter": 0}), 1, lambda: 0) == 100


def test_the_defaults_are_filled_in() -> None:
    assert check({"type": "exponential", "delay": 5}) == {
        "type": "exponential",
        "delay": 5,
        "max_delay": 3600.0,
        "jitter": 0.2,
    }


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("exp", ["backoff must be an object", "'exp'"]),
        ({"type": "linear", "delay": 1}, ["backoff.type", "'linear'"]),
        ({"type": "fixed", "delay": 0}, ["backoff.delay", "0"]),
        ({"type": "fixed", "delay": -3}, ["backoff.delay", "-3"]),
        ({"type": "fixed", "delay": "10s"}, ["backoff.delay", "'10s'"]),
        ({"type": "fixed", "delay": 1, "max_delay": 0}, ["backoff.max_delay", "0"]),
        ({"type": "fixed", "delay": 1e308}, ["backoff.delay", "1e+308", "more than a year"]),
        ({"type": "fixed", "delay": 1, "jitter": 1.5}, ["backoff.jitter", "1.5"]),
        ({"type": "fixed", "delay": 1, "jitter": True}, ["backoff.jitter", "True"]),
        ({"type": "fixed"}, ["backoff", "'delay'"]),
        ({"delay": 1}, ["backoff", "'type'"]),
        ({"type": "fixed", "delay": 1, "factor": 3}, ["backoff", "'factor'"]),
    ],
)
def test_a_bad_backoff_is_refused_naming_member_and_value(value: object, names: list[str]) -> None:
    with pytest.raises(Validation) as refused:
        check(value)
    for name in names:
        assert name in refused.value.message
