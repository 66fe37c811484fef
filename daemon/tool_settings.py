"""Provider settings of an LLM tool (``provider: anthropic`` / ``provider: openai``).

A tool runs either a ``command`` (an argv) or a provider. The store keeps either in the tool's
``command`` JSON value: an argv list, or an object holding the provider settings. ``pack`` and
``unpack`` convert; ``tool_view`` gives the flat shape the protocol shows."""

from __future__ import annotations

import math
import re
from typing import Any

PROVIDERS = ("anthropic", "openai")
# key -> (type check, description of the type)
LLM_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "provider": (str, f"one of {', '.join(PROVIDERS)}"),
    "model": (str, "a model name"),
    "max_tokens": (int, "an integer > 0"),
    "system": (str, "text"),
    "temperature": ((int, float), "a number from 0 to 2"),
    "base_url": (str, "an http(s) URL"),
    "api_key_env": (str, "an environment variable name"),
    "stream": (bool, "true or false"),
}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SettingsError(ValueError):
    """A bad provider setting: ``key`` names it, the message says what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def _problem(key: str, value: Any) -> str | None:
    expected, description = LLM_KEYS[key]
    bad = f"expected {description}, got {value!r}"
    if isinstance(value, bool) and expected is not bool:
        return bad
    if not isinstance(value, expected):
        return bad
    if key == "provider" and value not in PROVIDERS:
        return bad
    if key == "model" and not value.strip():
        return bad
    if key == "max_tokens" and value <= 0:
        return bad
    if key == "temperature" and (not math.isfinite(value) or not 0 <= value <= 2):
        return bad
    if key == "base_url" and not value.startswith(("http://", "https://")):
        return bad
    if key == "api_key_env" and not ENV_NAME.match(value):
        return bad
    return None


def check_settings(values: dict[str, Any], command: Any = None) -> dict[str, Any] | None:
    """The provider settings in ``values`` (keys of ``LLM_KEYS`` with a non-null value),
    checked; None when none is given. Raises ``SettingsError`` naming the bad key."""
    given = {k: v for k, v in values.items() if k in LLM_KEYS and v is not None}
    if not given:
        return None
    for key, value in given.items():
        problem = _problem(key, value)
        if problem:
            raise SettingsError(key, problem)
    if "provider" not in given:
        raise SettingsError(
            sorted(given)[0], f"needs a provider ({', '.join(PROVIDERS)}) to go with it"
        )
    if "model" not in given:
        raise SettingsError("model", f"provider {given['provider']} needs a model")
    if command is not None:
        raise SettingsError("command", "a tool runs either a command or a provider, not both")
    return {key: given[key] for key in LLM_KEYS if key in given}


def pack(command: list[str] | None, settings: dict[str, Any] | None) -> Any:
    """The value the store keeps in the tool's ``command``."""
    return dict(settings) if settings else command


def unpack(stored: Any) -> tuple[list[str] | None, dict[str, Any] | None]:
    """``(command, settings)`` from the stored value."""
    if isinstance(stored, dict):
        return None, dict(stored)
    return stored, None


def tool_view(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool as the protocol shows it: ``command`` an argv or null, and every provider
    setting as its own member (null when unset; ``provider`` null for a command tool)."""
    command, settings = unpack(tool.get("command"))
    out = {**tool, "command": command}
    for key in LLM_KEYS:
        out[key] = (settings or {}).get(key)
    return out
