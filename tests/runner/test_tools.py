"""Building the argv of a task: never a shell, payload never spliced into a command line."""

import sys
from pathlib import Path

import pytest

from sparkq_tui.runner.tools import TaskSetupError, build_command


def task(tool: str, payload) -> dict:
    return {
        "id": "tsk_1",
        "friendly_id": "W-0001",
        "queue_name": "w",
        "tool": tool,
        "payload": payload,
    }


def test_bash_script_goes_to_a_file_run_by_bash(tmp_path: Path) -> None:
    cmd = build_command(
        task("run-bash", {"script": "echo $1; rm -rf nothing", "args": ["a b"]}),
        tmp_path,
        tool=None,
        instructions=None,
        base_env={},
    )
    assert cmd.argv[0].endswith("/bash")
    assert cmd.argv[1:] == [str(tmp_path / "script.sh"), "a b"]
    assert (tmp_path / "script.sh").read_text() == "echo $1; rm -rf nothing"
    assert cmd.env["SPARKQ_TASK_FRIENDLY_ID"] == "W-0001"


def test_python_file_payload_runs_with_the_runners_python(tmp_path: Path) -> None:
    cmd = build_command(
        task("run-python", {"file": "job.py", "env": {"N": 3}}),
        tmp_path,
        tool=None,
        instructions=None,
        base_env={},
    )
    assert cmd.argv == [sys.executable, "job.py"]
    assert cmd.env["N"] == "3"


def test_llm_placeholders_are_filled_per_argument(tmp_path: Path) -> None:
    tool = {"name": "llm-x", "command": ["llm", "--p={prompt}", "{prompt_file}", "{other}"]}
    prompt = "say {prompt_file} $(rm -rf /)"
    cmd = build_command(
        task("llm-x", {"prompt": prompt}),
        tmp_path,
        tool=tool,
        instructions="Be brief.",
        base_env={},
    )
    assert cmd.argv == [
        "llm",
        f"--p=Be brief.\n\n{prompt}",
        str(tmp_path / "prompt.txt"),
        "{other}",
    ]
    assert (tmp_path / "prompt.txt").read_text() == f"Be brief.\n\n{prompt}"
    assert cmd.stdin is None


def test_llm_command_without_placeholder_gets_the_prompt_on_stdin(tmp_path: Path) -> None:
    cmd = build_command(
        task("llm-x", "hi"), tmp_path, tool={"command": ["llm"]}, instructions=None, base_env={}
    )
    assert cmd.stdin == b"hi"


def test_llm_tool_without_command_says_how_to_configure_it(tmp_path: Path) -> None:
    with pytest.raises(TaskSetupError, match=r"tool 'llm-x' has no command configured.*sparkq.yml"):
        build_command(
            task("llm-x", {"prompt": "p"}),
            tmp_path,
            tool={"command": None},
            instructions=None,
            base_env={},
        )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "needs a payload with a `script`"),
        ({"script": "x", "cwd": "/no/such"}, "cwd"),
        ({"script": "x", "args": "a"}, "args"),
    ],
)
def test_bad_payloads_are_refused(tmp_path: Path, payload, message: str) -> None:
    with pytest.raises(TaskSetupError, match=message):
        build_command(
            task("run-bash", payload), tmp_path, tool=None, instructions=None, base_env={}
        )
