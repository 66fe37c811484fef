"""Tools with a ``provider``: the shipped LLM tools, tool.upsert's provider members, and the
config file's checks of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkq_daemon.config import ConfigError, load_config
from tests.wire import Wire


def test_shipped_llm_tools_name_current_claude_models(wire: Wire) -> None:
    tools = {t["name"]: t for t in wire.call("tool.list")["tools"]}
    haiku, sonnet, bash = tools["llm-haiku"], tools["llm-sonnet"], tools["run-bash"]
    assert (haiku["provider"], haiku["model"]) == ("anthropic", "claude-haiku-5-5")
    assert (sonnet["provider"], sonnet["model"]) == ("anthropic", "claude-sonnet-5-5")
    assert haiku["command"] is None
    assert bash["provider"] is None and bash["model"] is None


def test_tool_upsert_takes_provider_settings(wire: Wire) -> None:
    tool = wire.call(
        "tool.upsert",
        name="local",
        task_class="LLM_LITE",
        provider="openai",
        model="llama3.2",
        base_url="http://localhost:11434/v1",
        temperature=0.5,
        max_tokens=200,
        system="Be brief.",
        api_key_env="LOCAL_KEY",
        stream=False,
    )
    expected = {
        "provider": "openai",
        "model": "llama3.2",
        "base_url": "http://localhost:11434/v1",
        "temperature": 0.5,
        "max_tokens": 200,
        "system": "Be brief.",
        "api_key_env": "LOCAL_KEY",
        "stream": False,
        "command": None,
    }
    assert {k: tool[k] for k in expected} == expected
    listed = {t["name"]: t for t in wire.call("tool.list")["tools"]}["local"]
    assert {k: listed[k] for k in expected} == expected
    # Every member is replaced: back to a command tool.
    again = wire.call("tool.upsert", name="local", task_class="LLM_LITE", command=["cat"])
    assert (again["command"], again["provider"], again["model"]) == (["cat"], None, None)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"provider": "mistral", "model": "m"}, "provider", "one of anthropic, openai"),
        ({"provider": "openai"}, "model", "needs a model"),
        ({"model": "m"}, "model", "needs a provider"),
        ({"provider": "openai", "model": "m", "command": ["x"]}, "command", "not both"),
        ({"provider": "openai", "model": "m", "temperature": 5}, "temperature", "0 to 2"),
        ({"provider": "openai", "model": "m", "max_tokens": 0}, "max_tokens", "> 0"),
        ({"provider": "openai", "model": "m", "base_url": "localhost"}, "base_url", "URL"),
        ({"provider": "openai", "model": "m", "api_key_env": "A B"}, "api_key_env", "variable"),
    ],
)
def test_bad_provider_settings_are_refused(
    wire: Wire, params: dict, field: str, words: str
) -> None:
    error = wire.error("tool.upsert", name="bad", task_class="LLM_LITE", **params)
    assert (error["code"], error["data"]["field"]) == (-32602, field)
    assert words in error["message"]


def test_config_file_provider_tools(tmp_path: Path) -> None:
    f = tmp_path / "sparkq.yml"
    f.write_text(
        "tools:\n  ollama:\n    {provider: openai, base_url: 'http://localhost:11434/v1', "
        "model: llama3.2}\n"
    )
    tool = load_config(f).tools["ollama"]
    assert tool["task_class"] == "LLM_LITE"
    assert tool["command"]["provider"] == "openai"
    f.write_text("tools:\n  x: {provider: openai, model: m, max_tokens: lots}\n")
    with pytest.raises(ConfigError, match=r"tools\.x\.max_tokens: expected an integer > 0"):
        load_config(f)
