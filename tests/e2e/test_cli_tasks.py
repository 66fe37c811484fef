"""Task commands end to end: enqueue (every payload source), peek, claim, complete, fail,
requeue, rerun, task, tasks, purge — and their refusals."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Run


def test_enqueue_peek_claim_complete(sparkq: Run, queue: str) -> None:
    first = sparkq("enqueue", queue, "run-bash", "--script", "echo hi")
    assert first.code == 0, first.err
    assert "BACKEND-0001" in first.out
    urgent = sparkq(
        "enqueue", queue, "run-bash", "-p", '{"script": "date"}', "--priority", "5", "--json"
    ).json()
    assert urgent["friendly_id"] == "BACKEND-0002"
    assert urgent["priority"] == 5

    assert sparkq("peek", queue, "--json").json()["friendly_id"] == "BACKEND-0002"
    claimed = sparkq("claim", queue, "--worker", "me", "--json").json()
    assert (claimed["friendly_id"], claimed["status"], claimed["worker"]) == (
        "BACKEND-0002",
        "running",
        "me",
    )
    done = sparkq("complete", "BACKEND-0002", "--result", '{"n": 3}', "--stdout", "out")
    assert done.code == 0 and "succeeded" in done.out
    task = sparkq("task", "BACKEND-0002", "--json").json()
    assert (task["status"], task["result"], task["stdout"]) == ("succeeded", {"n": 3}, "out")
    detail = sparkq("task", "BACKEND-0002").out
    assert "succeeded" in detail and '"n": 3' in detail

    listing = sparkq("tasks")
    assert listing.code == 0
    lines = listing.out.splitlines()
    assert lines[0].split()[:2] == ["ID", "STATUS"]
    assert any(line.startswith("BACKEND-0001") and "queued" in line for line in lines)


def test_payload_sources(sparkq: Run, queue: str, short_dir: Path) -> None:
    script = short_dir / "job.sh"
    script.write_text("echo from file\n")
    py = short_dir / "job.py"
    py.write_text("print(1)\n")

    def payload(*args: str, input: str | None = None) -> object:
        result = sparkq("enqueue", queue, *args, "--json", input=input)
        assert result.code == 0, result.err
        return result.json()["payload"]

    assert payload("run-bash", "--file", str(script)) == {"script": "echo from file\n"}
    assert payload("run-python", "--file", str(py)) == {"file": str(py.resolve())}
    assert payload("llm-haiku", "--file", str(script)) == {"prompt": "echo from file\n"}
    assert payload("run-bash", input="ls -l\n") == {"script": "ls -l\n"}
    assert payload("llm-haiku", input="summarise this") == {"prompt": "summarise this"}
    assert payload("llm-haiku", "--prompt", "hello") == {"prompt": "hello"}
    assert payload("run-bash", "--payload", "-", input='{"script": "x", "env": {"A": "1"}}') == {
        "script": "x",
        "env": {"A": "1"},
    }
    assert payload("run-bash", "-s", "echo $1", "--arg", "a", "--arg", "b", "--cwd", "/tmp") == {
        "script": "echo $1",
        "args": ["a", "b"],
        "cwd": "/tmp",
    }
    assert payload("run-bash", "--payload", "null") is None  # no payload only on purpose


def test_fail_requeue_rerun(sparkq: Run, queue: str) -> None:
    sparkq("enqueue", queue, "run-bash", "-s", "false")
    assert sparkq("claim", queue).code == 0
    failed = sparkq("fail", "BACKEND-0001", "exit status 1")
    assert failed.code == 0 and "exit status 1" in failed.out
    assert sparkq("task", "BACKEND-0001", "--json").json()["error"] == "exit status 1"
    assert sparkq("requeue", "BACKEND-0001", "--json").json()["status"] == "queued"
    again = sparkq("rerun", "BACKEND-0001", "--json").json()
    assert again["friendly_id"] == "BACKEND-0002"
    assert again["payload"] == {"script": "false"}


def test_claim_with_nothing_to_claim(sparkq: Run, queue: str) -> None:
    empty = sparkq("claim", queue)
    assert empty.code == 0
    assert "no task to claim" in empty.err
    assert sparkq("claim", queue, "--json").json() is None
    assert "nothing to claim" in sparkq("peek", queue).out


def test_refusals_exit_1_with_the_daemons_message(sparkq: Run, queue: str) -> None:
    sparkq("enqueue", queue, "run-bash", "-s", "true")
    refused = sparkq("complete", "BACKEND-0001")
    assert refused.code == 1
    assert "BACKEND-0001" in refused.err and "not running" in refused.err
    missing = sparkq("enqueue", "nope", "run-bash", "-s", "x")
    assert missing.code == 1 and "nope" in missing.err
    unknown_tool = sparkq("enqueue", queue, "no-such-tool", "-s", "x")
    assert unknown_tool.code == 1 and "no-such-tool" in unknown_tool.err
    assert sparkq("task", "BACKEND-9999").code == 1


def test_bad_input_exits_2_without_traceback(sparkq: Run, queue: str) -> None:
    bad_json = sparkq("enqueue", queue, "run-bash", "--payload", "{oops")
    assert bad_json.code == 2 and "--payload is not valid JSON" in bad_json.err
    assert sparkq("enqueue", queue, "run-bash", "--priority", "high").code == 2
    assert sparkq("enqueue", queue, "run-bash", "-s", "x", "-p", "{}").code == 2
    assert sparkq("enqueue", queue, "run-python", "--file", "/no/such.py").code == 2
    assert sparkq("enqueue", queue, "run-bash", "-p", "[1]", "--arg", "x").code == 2
    assert sparkq("tasks", "--limit", "0").code == 2
    assert sparkq("tasks", "--status", "lost").code == 2
    assert sparkq("fail", "BACKEND-0001").code == 2  # no error text
    assert sparkq("enqueue", "--queue", queue).code == 2  # no tool


def test_tasks_filters_limit_and_purge(sparkq: Run, queue: str) -> None:
    sparkq("enqueue", queue, "run-bash", "-s", "echo alpha")
    sparkq("enqueue", queue, "run-python", "-s", "print('beta')")
    sparkq("enqueue", queue, "run-bash", "-s", "echo gamma")
    assert sparkq("tasks", "--json").json()["total"] == 3
    assert sparkq("tasks", "--tool", "run-python", "--json").json()["total"] == 1
    found = sparkq("tasks", "--search", "gamma", "--json").json()["tasks"]
    assert [t["friendly_id"] for t in found] == ["BACKEND-0003"]
    assert sparkq("tasks", "--queue", queue, "--session", "demo", "--json").json()["total"] == 3
    limited = sparkq("tasks", "--limit", "1")
    assert "1 of 3 tasks shown" in limited.out
    assert "no tasks match" in sparkq("tasks", "--status", "failed").out
    both = sparkq("tasks", "--status", "queued,failed", "--json").json()
    assert both["total"] == 3
    refused = sparkq("tasks", "--status", "queued,done")
    assert refused.code == 2 and "'done'" in refused.err

    sparkq("claim", queue)
    sparkq("complete", "BACKEND-0001")
    purged = sparkq("purge", "--older-than-days", "0", "--json").json()
    assert purged["deleted"] == 1
    assert sparkq("tasks", "--json").json()["total"] == 2
