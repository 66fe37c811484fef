"""What a webhook matches, the secrets it takes, the waits between its attempts, and that
every webhook method needs the admin scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from sparkq_daemon import methods  # noqa: F401 - registers the methods
from sparkq_daemon.errors import Validation
from sparkq_daemon.registry import METHODS
from sparkq_daemon.scopes import required_scope
from sparkq_daemon.webhooks.deliverer import Schedule
from sparkq_daemon.webhooks.rules import check_secret, matches, new_secret

FAILED = {"topic": "task", "type": "task.failed", "queue_id": "que_1", "at": "t"}
PAUSED = {"topic": "queue", "type": "queue.paused", "id": "que_1", "at": "t"}


@pytest.mark.parametrize(
    ("patterns", "queue_id", "event", "expected"),
    [
        (None, None, FAILED, True),
        (["*"], None, PAUSED, True),
        (["task.*"], None, FAILED, True),
        (["task.*"], None, PAUSED, False),
        (["task.failed"], "que_1", FAILED, True),
        (["task.failed"], "que_2", FAILED, False),
        (["queue.paused"], "que_1", PAUSED, True),
        (["task.fail"], None, FAILED, False),
        (["ta*"], None, FAILED, False),
        (None, None, {"topic": "webhook", "type": "webhook.created", "at": "t"}, False),
        (None, "que_1", {"topic": "session", "type": "session.created", "at": "t"}, False),
    ],
)
def test_matches(patterns, queue_id, event, expected) -> None:
    assert matches(patterns, queue_id, event) is expected


def test_secrets_are_standard_webhooks_secrets() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and check_secret(secret) == secret
    assert Webhook(secret).sign("msg_1", datetime.now(UTC), b"{}")
    for bad in ("hunter2", "whsec_!!!", "whsec_" + "QUJD" * 4, 12):
        with pytest.raises(Validation, match="secret"):
            check_secret(bad)


def test_the_default_schedule_makes_8_attempts_over_about_an_hour() -> None:
    schedule = Schedule()
    assert schedule.attempts == 8
    waits = [schedule.retry_in(n) for n in range(1, 9)]
    assert waits[-1] is None and 55 * 60 <= sum(waits[:-1]) <= 65 * 60
    assert waits[:-1] == sorted(waits[:-1])


def test_webhook_methods_need_admin() -> None:
    names = [name for name in METHODS if name.startswith("webhook.")]
    assert len(names) == 5
    assert {required_scope(name) for name in names} == {"admin"}


def test_the_webhooks_config_keys_are_checked(tmp_path) -> None:
    from sparkq_daemon.config import ConfigError, load_config

    good = tmp_path / "good.yml"
    good.write_text("webhooks: {timeout_seconds: 2.5, retry_schedule: [1, 2]}\n")
    config = load_config(good)
    assert config.get("webhooks", "timeout_seconds") == 2.5
    assert config.get("webhooks", "retry_schedule") == [1, 2]
    for bad in ("{retry_schedule: [-1]}", "{retry_schedule: 5}", "{timeout_seconds: 0}"):
        path = tmp_path / "bad.yml"
        path.write_text(f"webhooks: {bad}\n")
        with pytest.raises(ConfigError, match=r"webhooks\.(retry_schedule|timeout_seconds)"):
            load_config(path)
