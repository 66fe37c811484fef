"""The tools ``sparkq mcp`` offers, built from the daemon's own method table
(``system.methods``): which methods are offered, under which tool names, with which hints;
each tool's description and JSON schema come from the method's description and params.
Agents enqueue and observe: claiming and finishing tasks is left to runners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# method -> (read only, destructive). Only methods the daemon serves become tools.
OFFERED: dict[str, tuple[bool, bool]] = {
    "task.enqueue": (False, False),
    "task.enqueue_batch": (False, False),
    "task.list": (True, False),
    "task.get": (True, False),
    "task.peek": (True, False),
    "task.requeue": (False, False),
    "task.rerun": (False, False),
    "task.delete": (False, True),
    "task.cancel": (False, True),
    "task.reschedule": (False, False),
    "task.events": (True, False),
    "task.wait": (True, False),
    "task.logs": (True, False),
    "queue.requeue_failed": (False, False),
    "queue.list": (True, False),
    "queue.get": (True, False),
    "queue.pause": (False, False),
    "queue.resume": (False, False),
    "queue.update": (False, False),
    "queue.throughput": (True, False),
    "schedule.list": (True, False),
    "schedule.get": (True, False),
    "schedule.create": (False, False),
    "schedule.update": (False, False),
    "schedule.pause": (False, False),
    "schedule.resume": (False, False),
    "schedule.run": (False, False),
    "schedule.delete": (False, True),
    "worker.list": (True, False),
    "tool.list": (True, False),
    "role.list": (True, False),
    "system.stats": (True, False),
}
NAME_LENGTH = {"minLength": 1, "maxLength": 128}
KIND_SCHEMA: dict[str, dict[str, Any]] = {
    "name": {"type": "string", **NAME_LENGTH},
    "str": {"type": "string"},
    "ref": {"type": "string", "description": "a name or an id", "minLength": 1},
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "bool": {"type": "boolean"},
    "any": {"description": "any JSON value"},
    "list": {"type": "array"},
}


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool and the daemon method it calls."""

    name: str
    method: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool
    destructive: bool


def tool_name(method: str) -> str:
    """``task.enqueue`` -> ``task_enqueue`` (tool names keep to letters, digits, ``_``)."""
    return method.replace(".", "_")


def param_schema(param: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of one param as ``system.methods`` describes it."""
    schema = dict(KIND_SCHEMA.get(param.get("type", "any"), KIND_SCHEMA["any"]))
    if "choices" in param:
        schema["enum"] = list(param["choices"])
    if "min" in param:
        schema["minimum"] = param["min"]
    if "max" in param:
        schema["maximum"] = param["max"]
    if "default" in param:
        schema["default"] = param["default"]
    return schema


def input_schema(params: list[dict[str, Any]]) -> dict[str, Any]:
    """The object schema of a method's params."""
    return {
        "type": "object",
        "properties": {p["name"]: param_schema(p) for p in params},
        "required": [p["name"] for p in params if p.get("required")],
        "additionalProperties": False,
    }


def _description(method: dict[str, Any], read_only: bool, destructive: bool) -> str:
    text = method.get("description") or f"Calls the daemon's {method['name']} method."
    if destructive:
        text = f"Destructive: {text[0].lower()}{text[1:]} This cannot be undone."
    elif read_only:
        text = f"{text} Read only."
    return f"{text} (SparkQ method {method['name']})"


def build_tools(methods: list[dict[str, Any]]) -> list[ToolSpec]:
    """The tools for the methods in ``OFFERED`` that the daemon serves, in its order."""
    tools = []
    for method in methods:
        hints = OFFERED.get(method["name"])
        if hints is None:
            continue
        read_only, destructive = hints
        tools.append(
            ToolSpec(
                name=tool_name(method["name"]),
                method=method["name"],
                description=_description(method, read_only, destructive),
                input_schema=input_schema(method.get("params", [])),
                read_only=read_only,
                destructive=destructive,
            )
        )
    return tools
