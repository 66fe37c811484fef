"""The CLI's duration, local time and backoff parsers."""

from __future__ import annotations

from datetime import datetime

import pytest

from sparkq_tui.durations import parse_backoff, parse_duration, parse_local_time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1.5h", 5400), ("0", 0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten", "-5", "5x", "10 minutes", "1h30m"])
def test_a_bad_duration_names_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration") as refused:
        parse_duration(text)
    assert repr(text) in str(refused.value)


def test_a_local_time_gets_the_local_offset_and_an_explicit_one_is_kept() -> None:
    local = datetime.fromisoformat(parse_local_time("2026-12-24T09:00"))
    assert local.tzinfo is not None and (local.hour, local.minute) == (9, 0)
    assert parse_local_time("2026-12-24T09:00+01:00") == "2026-12-24T09:00:00+01:00"
    with pytest.raises(ValueError, match="'tomorrow' is not a time"):
        parse_local_time("tomorrow")


def test_backoff_specs() -> None:
    assert parse_backoff("exp:10s") == {"type": "exponential", "delay": 10}
    assert parse_backoff("exp:10s:1h") == {"type": "exponential", "delay": 10, "max_delay": 3600}
    assert parse_backoff("fixed:30s") == {"type": "fixed", "delay": 30}
    for bad in ("linear:10s", "exp", "exp:1:2:3", "exp:soon"):
        with pytest.raises(ValueError, match="is not a"):
            parse_backoff(bad)
