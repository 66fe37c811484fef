"""tool.*, task_class.*, prompt.*"""

from __future__ import annotations

from typing import Any

from sparkq_daemon.context import Context
from sparkq_daemon.errors import Validation
from sparkq_daemon.policy import backoff as backoff_policy
from sparkq_daemon.registry import rpc
from sparkq_daemon.tool_settings import (
    SettingsError,
    check_settings,
    pack,
    tool_view,
    with_pickle,
)
from sparkq_daemon.validation import optional, required, show


@rpc("tool.list")
async def tool_list(ctx: Context) -> dict[str, Any]:
    """The tools tasks can name, with their task class, timeout and what they run."""
    return {"tools": [tool_view(tool) for tool in ctx.store.tools()]}


@rpc("task_class.list")
async def task_class_list(ctx: Context) -> dict[str, Any]:
    return {"task_classes": ctx.store.task_classes()}


def _command(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise Validation(f"command must be a list of strings, not {show(value)}", field="command")
    return value


@rpc(
    "tool.upsert",
    name=required("name"),
    task_class=required("name"),
    description=optional("str"),
    command=optional("list"),
    provider=optional("str"),
    model=optional("str"),
    max_tokens=optional("int"),
    system=optional("str"),
    temperature=optional("number"),
    base_url=optional("str"),
    api_key_env=optional("str"),
    stream=optional("bool"),
    pickle=optional("bool"),
)
async def tool_upsert(
    ctx: Context,
    name: str,
    task_class: str,
    description: str | None = None,
    command: list | None = None,
    pickle: bool | None = None,
    **llm: Any,
) -> dict[str, Any]:
    """Create or replace a tool (an argv ``command``, a ``provider`` with its settings, or
    ``pickle: true`` for signed pickled Python calls); an omitted description keeps the
    tool's current one."""
    argv = _command(command)
    try:
        settings = with_pickle(check_settings(llm, argv), argv, pickle)
    except SettingsError as exc:
        raise Validation(f"{exc.key}: {exc.problem}", field=exc.key) from None
    tool = await ctx.store.tool_upsert(name, task_class, description, pack(argv, settings))
    return tool_view(tool)


@rpc("tool.delete", name=required("name"))
async def tool_delete(ctx: Context, name: str) -> dict[str, Any]:
    return await ctx.store.tool_delete(name)


@rpc(
    "task_class.upsert",
    name=required("name"),
    timeout=required("number", min=0.001),
    description=optional("str", ""),
    max_attempts=optional("int", min=1, max=100),
    backoff=optional("any"),
)
async def task_class_upsert(
    ctx: Context,
    name: str,
    timeout: float,
    description: str,
    max_attempts: int | None = None,
    backoff: Any = None,
) -> dict[str, Any]:
    """Create or replace a task class, with the retry defaults of its tasks when given."""
    checked = backoff_policy.check(backoff) if backoff is not None else None
    return await ctx.store.task_class_upsert(name, timeout, description, max_attempts, checked)


@rpc("task_class.delete", name=required("name"))
async def task_class_delete(ctx: Context, name: str) -> dict[str, Any]:
    return await ctx.store.task_class_delete(name)


@rpc("prompt.list")
async def prompt_list(ctx: Context) -> dict[str, Any]:
    return {"prompts": await ctx.store.prompt_list()}


@rpc("prompt.get", command=required("name"))
async def prompt_get(ctx: Context, command: str) -> dict[str, Any]:
    return await ctx.store.prompt_get(command)


@rpc(
    "prompt.create",
    command=required("name"),
    label=required("str"),
    template_text=required("str"),
    description=optional("str", ""),
)
async def prompt_create(
    ctx: Context, command: str, label: str, template_text: str, description: str
) -> dict[str, Any]:
    return await ctx.store.prompt_create(command, label, template_text, description)


@rpc(
    "prompt.update",
    command=required("name"),
    label=optional("str"),
    template_text=optional("str"),
    description=optional("str"),
)
async def prompt_update(ctx: Context, command: str, **changes: Any) -> dict[str, Any]:
    clean = {key: value for key, value in changes.items() if value is not None}
    return await ctx.store.prompt_update(command, clean)


@rpc("prompt.delete", command=required("name"))
async def prompt_delete(ctx: Context, command: str) -> dict[str, Any]:
    return await ctx.store.prompt_delete(command)
