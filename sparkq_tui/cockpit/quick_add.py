"""Quick-add parsing: turn the one line typed in the cockpit into a tool and a payload.

``/command rest`` expands the prompt template ``command`` with ``rest``; ``!script`` is a
run-bash script; anything else goes to the selected tool (``prompt`` for llm-* tools,
``script`` for run-* tools)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sparkq_daemon.prompts import expand_template

BASH_TOOL = "run-bash"


class QuickAddError(ValueError):
    """The line cannot become a task (empty, unknown template, ...)."""


@dataclass(frozen=True)
class QuickAddRequest:
    """What to enqueue: the tool and its payload."""

    tool: str
    payload: dict[str, Any]


def payload_for(tool: str, text: str) -> dict[str, Any]:
    """The payload a tool expects for free text: a script for run-* tools, else a prompt."""
    return {"script": text} if tool.startswith("run-") else {"prompt": text}


def parse_quick_add(line: str, *, tool: str, prompts: Mapping[str, str]) -> QuickAddRequest:
    """Parse a quick-add line; ``prompts`` maps a template's command to its template text."""
    text = line.strip()
    if not text:
        raise QuickAddError("type a prompt, /template text or !script first")
    if text.startswith("!"):
        script = text[1:].strip()
        if not script:
            raise QuickAddError("type the script after '!'")
        return QuickAddRequest(BASH_TOOL, {"script": script})
    if text.startswith("/"):
        command, _, rest = text[1:].partition(" ")
        template = prompts.get(command)
        if template is None:
            known = ", ".join(f"/{name}" for name in sorted(prompts)) or "none defined"
            raise QuickAddError(f"no prompt template /{command} (known: {known})")
        return QuickAddRequest(tool, payload_for(tool, expand_template(template, rest.strip())))
    return QuickAddRequest(tool, payload_for(tool, text))
