"""Command forms the README documents that need more than argparse's defaults."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Run


def test_arg_values_may_look_like_options(sparkq: Run, queue: str, short_dir: Path) -> None:
    report = short_dir / "report.py"
    report.write_text("print('report')\n")
    result = sparkq(
        "enqueue", queue, "run-python", "--file", str(report),
        "--arg", "--weekly", "--arg=--since=monday", "--arg", "-v", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.json()["payload"] == {
        "file": str(report),
        "args": ["--weekly", "--since=monday", "-v"],
    }
    missing = sparkq("enqueue", queue, "run-bash", "--script", "true", "--arg")
    assert missing.code == 2 and "--arg" in missing.err


def test_queues_all_lists_archived_queues(sparkq: Run, queue: str) -> None:
    assert sparkq("queue", "create", "old", "--session", "demo").code == 0
    assert sparkq("queue", "archive", "old").code == 0
    names = [q["name"] for q in sparkq("queues", "--json").json()["queues"]]
    assert names == [queue]
    every = sparkq("queues", "--all")
    assert every.code == 0, every.err
    assert "old" in every.out and queue in every.out
    listed = sparkq("queue", "list", "--all", "--json").json()["queues"]
    assert sorted(q["name"] for q in listed) == sorted([queue, "old"])
