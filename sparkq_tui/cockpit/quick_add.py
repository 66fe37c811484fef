"""Quick-add parsing: turn the one line typed in the cockpit into a tool and a payload.

``@role rest`` gives the task that agent role and ``#key rest`` that unique key (either first,
or both), then ``rest`` is read as below; ``/command
rest`` expands the prompt template ``command`` with ``rest``; ``!script`` is a run-bash
script; anything else goes to the selected tool (``prompt`` for llm-* tools, ``script`` for
run-* tools)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sparkq_daemon.prompts import expand_template

BASH_TOOL = "run-bash"


class QuickAddError(ValueError):
    """The line cannot become a task (empty, unknown template, ...)."""


@dataclass(frozen=True)
class QuickAddRequest:
    """What to enqueue: the tool, its payload, the agent role (None: the queue's) and the
    unique key (None: none)."""

    tool: str
    payload: dict[str, Any]
    role: str | None = None
    unique_key: str | None = None


def payload_for(tool: str, text: str) -> dict[str, Any]:
    """The payload a tool expects for free text: a script for run-* tools, else a prompt."""
    return {"script": text} if tool.startswith("run-") else {"prompt": text}


def parse_quick_add(
    line: str,
    *,
    tool: str,
    prompts: Mapping[str, str],
    roles: Collection[str] = (),
    project: Mapping[str, Any] | None = None,
) -> QuickAddRequest:
    """Parse a quick-add line; ``prompts`` maps a template's command to its template text,
    ``roles`` are the keys ``@key`` may name, ``project`` fills ``{project.*}``."""
    text = line.strip()
    if text.startswith("@"):
        key, _, rest = text[1:].partition(" ")
        if key not in roles:
            known = ", ".join(f"@{name}" for name in sorted(roles)) or "none defined"
            raise QuickAddError(f"no active role @{key} (known: {known})")
        request = parse_quick_add(rest, tool=tool, prompts=prompts, project=project)
        return replace(request, role=key)
    if text.startswith("#") and text[1:2].strip():  # "# heading" stays plain text
        key, _, rest = text[1:].partition(" ")
        request = parse_quick_add(rest, tool=tool, prompts=prompts, roles=roles, project=project)
        return replace(request, unique_key=key)
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
        expanded = expand_template(template, rest.strip(), project)
        return QuickAddRequest(tool, payload_for(tool, expanded))
    return QuickAddRequest(tool, payload_for(tool, text))
