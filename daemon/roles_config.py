"""The ``roles:`` and ``model_profiles:`` sections of ``sparkq.yml``.

A role is ``{label, description, prompt, active}`` under its key; a model profile maps a
profile name to the LLM tool it stands for."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.validation import is_name

ROLE_TEXT_KEYS = ("label", "description", "prompt")


class SectionError(ValueError):
    """A bad entry: ``key`` is its dotted path in the file, the message the problem."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def role_value(key: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A role as the store keeps it, with the defaults filled in (label: the key)."""
    return {
        "label": spec.get("label") or key,
        "description": spec.get("description") or "",
        "prompt": spec.get("prompt") or "",
        "active": spec.get("active", True),
    }


def load_roles(data: Any) -> dict[str, dict[str, Any]]:
    """``roles:`` as ``{key: role_value}``; ``SectionError`` naming a bad entry."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SectionError("roles", f"expected a mapping, got {data!r}")
    out = {}
    for key, spec in data.items():
        where = f"roles.{key}"
        if not isinstance(key, str) or not is_name(key) or " " in key:
            raise SectionError(where, "not a valid role key (letters, digits, _ - .)")
        if not isinstance(spec, dict):
            raise SectionError(where, f"expected a mapping, got {spec!r}")
        unknown = set(spec) - {*ROLE_TEXT_KEYS, "active"}
        if unknown:
            raise SectionError(f"{where}.{sorted(unknown)[0]}", "unknown key")
        for name in ROLE_TEXT_KEYS:
            if spec.get(name) is not None and not isinstance(spec[name], str):
                raise SectionError(f"{where}.{name}", f"expected text, got {spec[name]!r}")
        if not isinstance(spec.get("active", True), bool):
            raise SectionError(f"{where}.active", f"expected true or false, got {spec['active']!r}")
        out[key] = role_value(key, spec)
    return out


def load_model_profiles(data: Any, default: dict[str, str]) -> dict[str, str]:
    """``model_profiles:`` as ``{profile: tool}`` (``default`` when the file has none)."""
    if data is None:
        return dict(default)
    if not isinstance(data, dict):
        raise SectionError("model_profiles", f"expected a mapping, got {data!r}")
    for name, tool in data.items():
        if not isinstance(name, str) or not is_name(name):
            raise SectionError(f"model_profiles.{name}", "not a valid profile name")
        if not isinstance(tool, str) or not is_name(tool):
            raise SectionError(f"model_profiles.{name}", f"expected a tool name, got {tool!r}")
    return dict(data)
