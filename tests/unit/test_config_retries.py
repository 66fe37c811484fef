"""``task_classes.NAME.max_attempts`` and ``.backoff`` in sparkq.yml: loaded with the
backoff's defaults filled in, and a bad value refused naming the file's key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkq_daemon.config import ConfigError, load_config


def test_a_task_class_takes_retry_defaults(tmp_path: Path) -> None:
    f = tmp_path / "sparkq.yml"
    f.write_text(
        "task_classes:\n  FLAKY: {timeout: 30, max_attempts: 4, backoff: {type: fixed, delay: 5}}\n"
    )
    flaky = load_config(f).task_classes["FLAKY"]
    assert flaky["max_attempts"] == 4
    assert flaky["backoff"] == {"type": "fixed", "delay": 5, "max_delay": 3600.0, "jitter": 0.2}


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("{timeout: 30, max_attempts: 0}", [r"task_classes\.FLAKY\.max_attempts", "0"]),
        ("{timeout: 30, max_attempts: 101}", [r"task_classes\.FLAKY\.max_attempts", "101"]),
        ("{timeout: 30, backoff: {type: linear, delay: 1}}", [r"FLAKY\.backoff", "'linear'"]),
        ("{timeout: 30, backoff: {type: fixed, delay: 0}}", [r"backoff\.delay", "0"]),
    ],
)
def test_bad_retry_defaults_name_the_key_and_value(
    tmp_path: Path, spec: str, names: list[str]
) -> None:
    f = tmp_path / "sparkq.yml"
    f.write_text(f"task_classes:\n  FLAKY: {spec}\n")
    for name in names:
        with pytest.raises(ConfigError, match=name):
            load_config(f)
