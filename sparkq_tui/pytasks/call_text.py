"""A python-call task shown as the call it makes: ``resize(path='a.png', width=100)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TOOL = "python-call"


def call_text(payload: Any, *, module: bool = False) -> str | None:
    """The call of a python-call payload, Python-style (``module:`` prefixed when asked);
    None when the payload is not one."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("function"), str):
        return None
    reference = payload["function"]
    name = reference if module else reference.rpartition(":")[2]
    args = payload.get("args") or []
    kwargs = payload.get("kwargs") or {}
    if not isinstance(args, list) or not isinstance(kwargs, Mapping):
        return None
    parts = [repr(value) for value in args]
    parts += [f"{key}={value!r}" for key, value in kwargs.items()]
    return f"{name}({', '.join(parts)})"
