"""What an LLM tool with a ``provider`` asks of its provider: the settings of the tool, the
prompt of the task and the system prompt (the tool's ``system``, else the queue's
instructions). Pure: no provider SDK is imported here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sparkq_tui.runner.tools import TaskSetupError

DEFAULT_KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
DEFAULT_MAX_TOKENS = 4096  # the Anthropic API needs one; OpenAI-style servers have their own
NO_KEY = "sparkq-no-key"  # local OpenAI-style servers take any key, the SDK needs one


@dataclass(frozen=True)
class LlmRequest:
    """One prompt for one provider."""

    provider: str
    model: str
    prompt: str
    system: str | None
    max_tokens: int | None
    temperature: float | None
    base_url: str | None
    api_key: str
    stream: bool = True


def _prompt(payload: Any) -> str:
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("prompt"), str):
        return payload["prompt"]
    raise TaskSetupError("an LLM task needs a payload with a `prompt` string")


def _api_key(tool: dict[str, Any], env: dict[str, str]) -> str:
    provider = tool["provider"]
    variable = tool.get("api_key_env") or DEFAULT_KEY_ENV[provider]
    key = env.get(variable, "").strip()
    if key:
        return key
    if provider == "openai" and tool.get("base_url") and not tool.get("api_key_env"):
        return NO_KEY
    other = f", or name another variable with tools.{tool['name']}.api_key_env in sparkq.yml"
    raise TaskSetupError(
        f"tool {tool['name']!r} (provider {provider}) needs an API key: set {variable} in the "
        f"runner's environment (export {variable}=…){'' if tool.get('api_key_env') else other}"
    )


def build_llm_request(
    task: dict[str, Any],
    tool: dict[str, Any],
    instructions: str | None,
    env: dict[str, str] | None = None,
) -> LlmRequest:
    """The request for ``task`` run by ``tool`` (a tool with a ``provider``)."""
    env = dict(os.environ) if env is None else env
    system = tool.get("system") or (instructions or "").strip() or None
    max_tokens = tool.get("max_tokens")
    if max_tokens is None and tool["provider"] == "anthropic":
        max_tokens = DEFAULT_MAX_TOKENS
    return LlmRequest(
        provider=tool["provider"],
        model=tool["model"],
        prompt=_prompt(task.get("payload")),
        system=system,
        max_tokens=max_tokens,
        temperature=tool.get("temperature"),
        base_url=tool.get("base_url"),
        api_key=_api_key(tool, env),
        stream=tool.get("stream") is not False,
    )
