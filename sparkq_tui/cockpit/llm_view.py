"""What the task detail shows of an LLM task: its prompt, its reply (the result's text once
done; while it runs, the output streamed so far) and the token usage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCRIPT_TOOL_PREFIX = "run-"


@dataclass(frozen=True)
class LlmView:
    prompt: str
    reply: str | None  # None: no reply yet
    usage: str | None  # one line: model, tokens in and out, why it stopped


def _prompt(payload: Any) -> str | None:
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("prompt"), str):
        return payload["prompt"]
    return None


def usage_line(result: Any) -> str | None:
    """``claude-haiku · 24 in · 130 out · end_turn`` from a provider result, None without."""
    if not isinstance(result, dict) or not isinstance(result.get("usage"), dict):
        return None
    usage = result["usage"]
    tokens_in = usage.get("input_tokens", usage.get("prompt_tokens"))
    tokens_out = usage.get("output_tokens", usage.get("completion_tokens"))
    parts = [str(result.get("model") or "?")]
    if tokens_in is not None:
        parts.append(f"{tokens_in} tokens in")
    if tokens_out is not None:
        parts.append(f"{tokens_out} tokens out")
    if result.get("stop_reason"):
        parts.append(f"stop: {result['stop_reason']}")
    return " · ".join(parts)


def llm_view(task: dict[str, Any], live_output: str | None = None) -> LlmView | None:
    """The LLM parts of ``task`` (None for a script task or a payload without a prompt);
    ``live_output`` is the reply streamed so far, when the caller has it."""
    if str(task.get("tool", "")).startswith(SCRIPT_TOOL_PREFIX):
        return None
    prompt = _prompt(task.get("payload"))
    if prompt is None:
        return None
    result = task.get("result")
    reply = result.get("text") if isinstance(result, dict) else None
    if not isinstance(reply, str):
        reply = live_output or task.get("stdout") or None
    return LlmView(prompt=prompt, reply=reply, usage=usage_line(result))
