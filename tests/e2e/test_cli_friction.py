"""Small frictions of the CLI: an enqueue with nothing to run, escape sequences from payloads,
a tool's description kept when it is changed."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_enqueue_without_a_payload_is_refused(sparkq: Run, queue: str) -> None:
    script = sparkq("enqueue", queue, "run-bash")
    assert script.code == 2
    assert "--script" in script.err and "--file" in script.err
    prompt = sparkq("enqueue", queue, "llm-haiku", "--arg", "x")
    assert prompt.code == 2
    assert "--prompt" in prompt.err
    assert sparkq("tasks", "--json").json()["total"] == 0
    on_purpose = sparkq("enqueue", queue, "llm-haiku", "--payload", "null", "--json")
    assert on_purpose.code == 0 and on_purpose.json()["payload"] is None


def test_tasks_shows_escape_sequences_harmlessly(sparkq: Run, queue: str) -> None:
    nasty = "echo \x1b[31mred\x1b[0m \x1b]0;title\x07 [/oops] [bold]b[/bold] \x9b2J"
    assert sparkq("enqueue", queue, "run-bash", "--script", nasty).code == 0
    for args in (("tasks",), ("task", "BACKEND-0001")):
        shown = sparkq(*args)
        assert shown.code == 0, shown.err
        assert not any(c in shown.out for c in "\x1b\x07\x9b"), repr(shown.out)
    listed = sparkq("tasks").out
    assert "\\x1b[31mred" in listed and "[/oops] [bold]b" in listed


def test_tools_add_keeps_the_description(sparkq: Run) -> None:
    added = sparkq("tools", "add", "lint", "-c", "FAST_SCRIPT", "-d", "runs ruff")
    assert added.code == 0, added.err
    assert sparkq("tools", "add", "lint", "-c", "MEDIUM_SCRIPT").code == 0
    tools = {t["name"]: t for t in sparkq("tools", "--json").json()["tools"]}
    assert tools["lint"]["description"] == "runs ruff"
    assert tools["lint"]["task_class"] == "MEDIUM_SCRIPT"
