"""The original SparkQ's command forms, accepted beside the positional ones; wrong arguments
print the usage of the command typed."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_enqueue_peek_claim_with_queue_and_tool_options(sparkq: Run, queue: str) -> None:
    first = sparkq("enqueue", "--queue", queue, "--tool", "run-bash", "--script", "true", "--json")
    assert first.code == 0, first.err
    assert (first.json()["queue_name"], first.json()["tool"]) == (queue, "run-bash")
    classed = sparkq(
        "enqueue", "--queue", queue, "--tool", "run-bash", "--task-class", "FAST_SCRIPT",
        "--script", "true", "--json",
    )  # fmt: skip
    assert classed.json()["task_class"] == "FAST_SCRIPT"
    mixed = sparkq("enqueue", "--queue", queue, "run-bash", "-s", "true", "--json")
    assert mixed.code == 0 and mixed.json()["tool"] == "run-bash"

    peeked = sparkq("peek", "--queue", queue, "--json")
    assert peeked.code == 0 and peeked.json()["id"] == first.json()["id"]
    claimed = sparkq("claim", "--queue", queue, "--json")
    assert claimed.code == 0 and claimed.json()["id"] == first.json()["id"]


def test_complete_with_text_and_fail_with_error_option(sparkq: Run, queue: str) -> None:
    for _ in range(3):
        sparkq("enqueue", queue, "run-bash", "-s", "true")
    ids = [sparkq("claim", queue, "--json").json()["friendly_id"] for _ in range(3)]
    done = sparkq("complete", ids[0], "--result", "all good", "--json")
    assert done.code == 0, done.err
    assert done.json()["result"] == "all good"  # text that is not JSON: kept as a string
    assert sparkq("complete", ids[1], "--result", '{"n": 1}', "--json").json()["result"] == {"n": 1}
    failed = sparkq("fail", ids[2], "--error", "disk full", "--json")
    assert failed.code == 0, failed.err
    assert (failed.json()["status"], failed.json()["error"]) == ("failed", "disk full")


def test_bare_purge_uses_the_live_setting(sparkq: Run, queue: str) -> None:
    sparkq("enqueue", queue, "run-bash", "-s", "true")
    task = sparkq("claim", queue, "--json").json()["friendly_id"]
    sparkq("complete", task)
    kept = sparkq("purge")
    assert kept.code == 0, kept.err
    assert "purged 0" in kept.out and "3 days" in kept.out  # the default: 3 days
    assert sparkq("config", "set", "purge", "older_than_days", "0").code == 0
    purged = sparkq("purge", "--json")
    assert purged.code == 0 and purged.json()["deleted"] == 1


def test_reload_asks_the_daemon_and_reports_a_refusal(sparkq: Run) -> None:
    result = sparkq("reload")
    if result.code == 0:  # a daemon that serves config.reload
        assert "reloaded" in result.out
    else:  # the daemon's own refusal proves the call reached it
        assert result.code == 1
        assert "unknown method 'config.reload'" in result.err
        assert "cannot reload its configuration" in result.err


def test_wrong_arguments_print_the_usage_of_the_command_typed(sparkq: Run) -> None:
    cases = [
        (("enqueue", "--queue", "q"), "usage: sparkq enqueue", "--tool"),
        (("peek", "--queue", "q", "--frob"), "usage: sparkq peek", "--frob"),
        (("claim", "--qeue", "q"), "usage: sparkq claim", "--qeue"),
        (("fail", "X-0001"), "usage: sparkq fail", "--error"),
        (("complete",), "usage: sparkq complete", "id"),
        (("queue", "create", "x", "-s", "d", "--bogus"), "usage: sparkq queue create", "--bogus"),
    ]
    for args, usage, named in cases:
        result = sparkq(*args)
        assert result.code == 2, (args, result)
        assert result.err.startswith(usage), (args, result.err)
        assert named in result.err.splitlines()[-1], (args, result.err)
