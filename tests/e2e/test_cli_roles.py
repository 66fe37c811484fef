"""Agent roles and model profiles from the command line: ``sparkq role add|rm``, ``sparkq
roles``, ``queue create --role --model-profile``, ``enqueue --role`` and ``enqueue Q --prompt``
with no tool (the queue's model profile, else defaults.model)."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_roles_from_the_command_line(sparkq: Run) -> None:
    added = sparkq("role", "add", "reviewer", "--label", "Reviewer", "--prompt", "You review.")
    assert added.code == 0 and "reviewer" in added.out
    assert sparkq("role", "add", "reviewer", "--inactive").code == 0  # the prompt stays
    [role] = sparkq("roles", "--json").json()["roles"]
    assert (role["label"], role["prompt"], role["active"]) == ("Reviewer", "You review.", False)
    assert sparkq("role", "add", "reviewer", "--active").code == 0
    listed = sparkq("roles")
    assert listed.code == 0 and "Reviewer" in listed.out and "You review." in listed.out

    assert sparkq("session", "create", "demo").code == 0
    made = sparkq("queue", "create", "q", "-s", "demo", "--role", "reviewer", "--json")
    assert made.code == 0 and made.json()["role"] == "reviewer"
    task = sparkq("enqueue", "q", "run-bash", "--script", "true", "--role", "reviewer", "--json")
    assert task.code == 0 and task.json()["role"] == "reviewer"
    shown = sparkq("task", task.json()["id"]).out.splitlines()
    assert any(line.split() == ["role", "reviewer"] for line in shown)
    assert any(
        line.split() == ["role", "reviewer"]
        for line in sparkq("queue", "show", "q").out.splitlines()
    )
    unknown = sparkq("enqueue", "q", "run-bash", "--script", "true", "--role", "ghost")
    assert unknown.code == 1 and "'ghost'" in unknown.err

    in_use = sparkq("role", "rm", "reviewer")
    assert in_use.code == 1 and "q" in in_use.err
    assert sparkq("queue", "update", "q", "--role", "").code == 0
    assert sparkq("role", "rm", "reviewer").code == 0
    assert sparkq("roles", "--json").json()["roles"] == []


def test_model_profiles_choose_the_tool_of_a_prompt(sparkq: Run) -> None:
    assert sparkq("session", "create", "demo").code == 0
    fast = sparkq("queue", "create", "fast", "-s", "demo", "--model-profile", "fast", "--json")
    assert fast.code == 0 and fast.json()["model_profile"] == "fast"
    assert sparkq("queue", "create", "plain", "-s", "demo").code == 0

    task = sparkq("enqueue", "fast", "--prompt", "hello", "--json")
    assert task.code == 0 and task.json()["tool"] == "llm-haiku"  # the shipped fast profile
    assert sparkq("queue", "update", "fast", "--model-profile", "deep").code == 0
    assert sparkq("enqueue", "fast", "--prompt", "hi", "--json").json()["tool"] == "llm-sonnet"
    named = sparkq("enqueue", "fast", "llm-codex", "--prompt", "hi", "--json")
    assert named.json()["tool"] == "llm-codex"  # a tool named wins

    none = sparkq("enqueue", "plain", "--prompt", "hello")  # no profile, no defaults.model
    assert none.code == 2 and "defaults.model" in none.err
    bad = sparkq("queue", "create", "x", "-s", "demo", "--model-profile", "huge")
    assert bad.code == 1 and "'huge'" in bad.err and "fast" in bad.err
    tools = sparkq("tools")
    assert "llm-codex" in tools.out and "openai gpt-5-codex" in tools.out
