"""``sparkq enqueue Q TOOL --lines F``: one task per line, pipelined over one connection."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Run


def test_one_task_per_line_in_order(sparkq: Run, queue: str, tmp_path: Path) -> None:
    lines = tmp_path / "jobs.txt"
    lines.write_text("".join(f"echo job {n}\n" for n in range(300)) + "\n   \n")
    done = sparkq("enqueue", queue, "run-bash", "--lines", str(lines), "--arg", "x", "--json")
    assert done.code == 0, done.err
    summary = done.json()
    assert summary["enqueued"] == 300
    assert summary["tasks"][0]["friendly_id"] == "BACKEND-0001"
    assert summary["tasks"][-1]["friendly_id"] == "BACKEND-0300"
    last = sparkq("task", "BACKEND-0300", "--json").json()
    assert last["payload"] == {"script": "echo job 299", "args": ["x"]}
    assert sparkq("queue", "show", queue, "--json").json()["counts"]["queued"] == 300


def test_lines_from_stdin_as_prompts(sparkq: Run, queue: str) -> None:
    done = sparkq(
        "enqueue", queue, "llm-haiku", "--lines", "-", "--window", "2", input="one\ntwo\n"
    )
    assert done.code == 0, done.err
    assert "enqueued 2 tasks (BACKEND-0001 … BACKEND-0002)" in done.out
    assert sparkq("task", "BACKEND-0002", "--json").json()["payload"] == {"prompt": "two"}


def test_refused_lines_are_named_and_the_rest_enqueued(
    sparkq: Run, queue: str, tmp_path: Path
) -> None:
    lines = tmp_path / "jobs.txt"
    huge = "x" * (1024 * 1024 + 10)
    lines.write_text(f"echo ok\n{huge}\necho fine\n")
    done = sparkq("enqueue", queue, "run-bash", "--lines", str(lines))
    assert done.code == 1
    assert "line 2:" in done.err and "1 MiB" in done.err
    assert "1 of 3 lines refused; 2 enqueued" in done.err
    assert sparkq("queue", "show", queue, "--json").json()["counts"]["queued"] == 2


def test_bad_lines_options_are_usage_errors(sparkq: Run, queue: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    refused = sparkq("enqueue", queue, "run-bash", "--lines", str(empty))
    assert refused.code == 2 and "no non-empty line" in refused.err
    missing = sparkq("enqueue", queue, "run-bash", "--lines", str(tmp_path / "nope.txt"))
    assert missing.code == 2 and "nope.txt" in missing.err
    window = sparkq("enqueue", queue, "run-bash", "--lines", str(empty), "--window", "0")
    assert window.code == 2 and "--window" in window.err
