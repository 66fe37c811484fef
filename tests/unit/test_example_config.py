"""sparkq.yml.example is a valid config whose values are the defaults."""

from __future__ import annotations

from pathlib import Path

from sparkq_daemon.config import Config, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "sparkq.yml.example"


def test_example_loads_and_equals_the_defaults() -> None:
    loaded = load_config(EXAMPLE)
    defaults = Config()
    assert loaded.settings == defaults.settings
    assert loaded.task_classes == {
        name: {"timeout": spec["timeout"], "description": ""}
        for name, spec in defaults.task_classes.items()
    }
    assert {n: (t["task_class"], t["command"]) for n, t in loaded.tools.items()} == {
        n: (t["task_class"], t.get("command")) for n, t in defaults.tools.items()
    }


def test_example_holds_the_project_roles_and_model_profile_defaults() -> None:
    loaded = load_config(EXAMPLE)
    defaults = Config()
    expected_profiles = {"fast": "llm-haiku", "deep": "llm-sonnet"}
    assert loaded.model_profiles == defaults.model_profiles == expected_profiles
    assert loaded.roles == defaults.roles == {}
    assert loaded.project() == {"name": None, "repo_path": None, "prd_path": None}
