"""Which LLM tool a prompt goes to when none is named: the tool of its queue's model profile
(``model_profiles`` in sparkq.yml), else ``defaults.model``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def llm_tool_for(queue: Mapping[str, Any] | None, config: Mapping[str, Any]) -> str | None:
    """The tool for ``queue`` given the daemon's ``config.get`` sections; None when neither
    the queue's profile nor ``defaults.model`` names one."""
    profile = (queue or {}).get("model_profile")
    if profile:
        tool = (config.get("model_profiles") or {}).get(profile)
        if tool:
            return tool
    return (config.get("defaults") or {}).get("model") or None
