"""Provider settings of an LLM tool (``provider: anthropic`` / ``provider: openai``), and the
``pickle`` setting of a tool that runs signed pickled Python calls.

A tool runs either a ``command`` (an argv), a provider, or with ``pickle: true`` Python calls
(pickled or by reference, as ``python-call``). The store keeps any of them in the tool's
``command`` JSON value: an argv list, or an object holding the settings. ``pack`` and
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
PICKLE = "pickle"
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


def with_pickle(settings: dict[str, Any] | None, command: Any, value: Any) -> dict[str, Any] | None:
    """``settings`` with ``pickle: true`` when ``value`` is true (alone: such a tool runs
    Python calls, not a command or a provider). Raises ``SettingsError`` naming ``pickle``."""
    if value is None or value is False:
        return settings
    if value is not True:
        raise SettingsError(PICKLE, f"expected true or false, got {value!r}")
    if command is not None or settings:
        raise SettingsError(
            PICKLE, "a tool with pickle: true runs Python calls: it takes no command or provider"
        )
    return {PICKLE: True}


def pack(command: list[str] | None, settings: dict[str, Any] | None) -> Any:
    """The value the store keeps in the tool's ``command``."""
    return dict(settings) if settings else command


def unpack(stored: Any) -> tuple[list[str] | None, dict[str, Any] | None]:
    """``(command, settings)`` from the stored value."""
    if isinstance(stored, dict):
        return None, dict(stored)
    return stored, None


def tool_view(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool as the protocol shows it: ``command`` an argv or null, every provider setting
    as its own member (null when unset; ``provider`` null for a command tool), and
    ``pickle`` (true for a tool that takes signed pickled calls)."""
    command, settings = unpack(tool.get("command"))
    out = {**tool, "command": command}
    for key in LLM_KEYS:
        out[key] = (settings or {}).get(key)
    out[PICKLE] = takes_pickles(tool)
    return out


def takes_pickles(tool: dict[str, Any]) -> bool:
    """Whether a stored tool has ``pickle: true``."""
    _, settings = unpack(tool.get("command"))
    return bool(settings and settings.get(PICKLE) is True)
