"""The catalogue: ``tools``, ``task-classes`` and ``prompts`` (list, add, edit, remove)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import emit, print_fields, print_table, say, seconds, short
from sparkq_tui.commands.task_time import BACKOFF, checked_call


def register(sub: Any, common: Any) -> None:
    _register_tools(sub, common)
    _register_task_classes(sub, common)
    _register_prompts(sub, common)


def _register_tools(sub: Any, common: Any) -> None:
    group = add_command(sub, common, "tools", list_tools, "tools: list, add, remove")
    actions = add_actions(group)
    add_command(actions, common, "list", list_tools, "list tools")
    p = add_command(actions, common, "add", upsert_tool, "add or change a tool")
    p.add_argument("name")
    p.add_argument("-c", "--task-class", required=True, help="its task class (sets the timeout)")
    p.add_argument("-d", "--description", default=None)
    p.add_argument(
        "--command",
        dest="tool_command",
        default=None,
        help="the argv an LLM tool runs, as one shell-quoted string ({prompt}, {prompt_file})",
    )
    p.add_argument(
        "--pickle",
        action="store_true",
        default=None,
        help="a tool for Python calls that takes signed pickled ones (lambdas, closures)",
    )
    llm = p.add_argument_group("an LLM tool that calls a provider's API (instead of --command)")
    llm.add_argument("--provider", choices=("anthropic", "openai"), default=None)
    llm.add_argument("--model", default=None, help="the provider's model name")
    llm.add_argument("--base-url", default=None, help="an OpenAI-style server, e.g. Ollama's")
    llm.add_argument("--max-tokens", type=int, default=None)
    llm.add_argument("--temperature", type=float, default=None)
    llm.add_argument("--system", default=None, help="system prompt (default: the queue's)")
    llm.add_argument("--api-key-env", default=None, help="the variable holding the API key")
    p = add_command(actions, common, "remove", remove_tool, "remove a tool")
    p.add_argument("name")


def _register_task_classes(sub: Any, common: Any) -> None:
    group = add_command(
        sub, common, "task-classes", list_classes, "task classes: list, add, remove"
    )
    actions = add_actions(group)
    add_command(actions, common, "list", list_classes, "list task classes")
    p = add_command(actions, common, "add", upsert_class, "add or change a task class")
    p.add_argument("name")
    p.add_argument("-t", "--timeout", type=float, required=True, help="seconds")
    p.add_argument("-d", "--description", default=None)
    p.add_argument("--max-attempts", type=int, metavar="N", help="its tasks' tries, 1–100")
    p.add_argument("--backoff", type=BACKOFF, metavar="SPEC", help="exp:10s[:1h] or fixed:30s")
    p = add_command(actions, common, "remove", remove_class, "remove a task class")
    p.add_argument("name")


def _register_prompts(sub: Any, common: Any) -> None:
    group = add_command(
        sub, common, "prompts", list_prompts, "prompt templates: list, show, add, edit, remove"
    )
    actions = add_actions(group)
    add_command(actions, common, "list", list_prompts, "list prompt templates")
    p = add_command(actions, common, "show", show_prompt, "one prompt template in full")
    p.add_argument("name", metavar="COMMAND", help="the /command name")
    for name, handler, text in (
        ("add", add_prompt, "add a prompt template ({input} marks the typed text)"),
        ("edit", edit_prompt, "change a prompt template"),
    ):
        p = add_command(actions, common, name, handler, text)
        p.add_argument("name", metavar="COMMAND", help="the /command name, without the slash")
        p.add_argument("-l", "--label", required=name == "add", default=None)
        source = p.add_mutually_exclusive_group(required=name == "add")
        source.add_argument("-t", "--template", default=None, help="the template text")
        source.add_argument("--template-file", default=None, help="read the template from F")
        p.add_argument("-d", "--description", default=None)
    p = add_command(actions, common, "remove", remove_prompt, "remove a prompt template")
    p.add_argument("name", metavar="COMMAND")


# Tools


def list_tools(ctx: Context) -> int:
    result = ctx.call("tool.list")
    rows = [
        (
            t.get("name"),
            t.get("task_class"),
            seconds(t.get("timeout")),
            _runs(t),
            t.get("description") or "",
        )
        for t in result["tools"]
    ]
    emit(
        ctx.json,
        result,
        lambda: print_table(
            ("NAME", "TASK CLASS", "TIMEOUT", "RUNS", "DESCRIPTION"), rows, empty="no tools"
        ),
    )
    return 0


def _runs(tool: dict[str, Any]) -> str:
    """What a tool runs: its command line, or its provider and model."""
    if tool.get("pickle"):
        return "Python calls, pickled (signed) or by reference"
    if tool.get("provider"):
        where = f" at {tool['base_url']}" if tool.get("base_url") else ""
        return f"{tool['provider']} {tool.get('model') or '?'}{where}"
    return shlex.join(tool["command"]) if tool.get("command") else ""


def upsert_tool(ctx: Context) -> int:
    args = ctx.args
    command = None
    if args.tool_command is not None:
        try:
            command = shlex.split(args.tool_command)
        except ValueError as exc:
            raise UsageError(f"--command: {exc}") from None
    tool = ctx.call(
        "tool.upsert",
        name=args.name,
        task_class=args.task_class,
        description=args.description,
        command=command,
        provider=args.provider,
        model=args.model,
        base_url=args.base_url,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
        system=args.system,
        api_key_env=args.api_key_env,
        pickle=args.pickle,
    )
    emit(ctx.json, tool, lambda: say(f"saved tool {tool.get('name', args.name)}"))
    return 0


def remove_tool(ctx: Context) -> int:
    result = ctx.call("tool.delete", name=ctx.args.name)
    emit(ctx.json, result, lambda: say(f"removed tool {ctx.args.name}"))
    return 0


# Task classes


def list_classes(ctx: Context) -> int:
    result = ctx.call("task_class.list")
    rows = [
        (
            c.get("name"),
            seconds(c.get("timeout")),
            c.get("max_attempts") or "",
            _backoff(c.get("backoff")),
            c.get("description") or "",
        )
        for c in result["task_classes"]
    ]
    columns = ("NAME", "TIMEOUT", "ATTEMPTS", "BACKOFF", "DESCRIPTION")
    emit(ctx.json, result, lambda: print_table(columns, rows, empty="no task classes"))
    return 0


def _backoff(backoff: Any) -> str:
    """A backoff as the CLI writes it: ``exp:10s:1h``, ``fixed:30s:1h``."""
    if not isinstance(backoff, dict):
        return ""
    kind = "exp" if backoff.get("type") == "exponential" else str(backoff.get("type"))
    return f"{kind}:{backoff.get('delay'):g}s:{backoff.get('max_delay'):g}s"


def upsert_class(ctx: Context) -> int:
    args = ctx.args
    task_class = checked_call(
        ctx,
        "task_class.upsert",
        ("max_attempts", "backoff"),
        name=args.name,
        timeout=args.timeout,
        description=args.description,
        max_attempts=args.max_attempts,
        backoff=args.backoff,
    )
    emit(ctx.json, task_class, lambda: say(f"saved task class {args.name}"))
    return 0


def remove_class(ctx: Context) -> int:
    result = ctx.call("task_class.delete", name=ctx.args.name)
    emit(ctx.json, result, lambda: say(f"removed task class {ctx.args.name}"))
    return 0


# Prompts


def list_prompts(ctx: Context) -> int:
    result = ctx.call("prompt.list")
    rows = [
        (
            "/" + str(p.get("command")),
            p.get("label"),
            p.get("description") or "",
            short(p.get("template_text"), 50),
        )
        for p in result["prompts"]
    ]
    emit(
        ctx.json,
        result,
        lambda: print_table(
            ("COMMAND", "LABEL", "DESCRIPTION", "TEMPLATE"),
            rows,
            empty="no prompt templates: `sparkq prompts add NAME --label L --template T`",
        ),
    )
    return 0


def _find_prompt(ctx: Context, command: str) -> dict[str, Any]:
    name = command.lstrip("/")
    for prompt in ctx.call("prompt.list")["prompts"]:
        if prompt.get("command") == name:
            return prompt
    from sparkq_tui.errors import NotFoundError

    raise NotFoundError(f"no prompt template /{name}")


def show_prompt(ctx: Context) -> int:
    prompt = _find_prompt(ctx, ctx.args.name)
    emit(
        ctx.json,
        prompt,
        lambda: print_fields(
            [
                ("command", "/" + str(prompt.get("command"))),
                ("label", prompt.get("label")),
                ("description", prompt.get("description")),
                ("template", prompt.get("template_text")),
            ]
        ),
    )
    return 0


def _template(args: Any) -> str | None:
    if args.template_file is None:
        return args.template
    try:
        return Path(args.template_file).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --template-file {args.template_file}: {exc}") from None


def add_prompt(ctx: Context) -> int:
    args = ctx.args
    prompt = ctx.call(
        "prompt.create",
        command=args.name.lstrip("/"),
        label=args.label,
        template_text=_template(args),
        description=args.description,
    )
    emit(ctx.json, prompt, lambda: say(f"added prompt /{prompt.get('command')}"))
    return 0


def edit_prompt(ctx: Context) -> int:
    args = ctx.args
    current = _find_prompt(ctx, args.name)
    template = _template(args)
    prompt = ctx.call(
        "prompt.update",
        command=current["command"],
        label=args.label if args.label is not None else current.get("label"),
        template_text=template if template is not None else current.get("template_text"),
        description=(
            args.description if args.description is not None else current.get("description")
        ),
    )
    emit(ctx.json, prompt, lambda: say(f"updated prompt /{prompt.get('command')}"))
    return 0


def remove_prompt(ctx: Context) -> int:
    command = ctx.args.name.lstrip("/")
    result = ctx.call("prompt.delete", command=command)
    emit(ctx.json, result, lambda: say(f"removed prompt /{command}"))
    return 0
