"""``sparkq scripts list|search``: the scripts in the configured script folders."""

from __future__ import annotations

from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.context import Context
from sparkq_tui.commands.output import emit, print_table, say
from sparkq_tui.errors import DaemonUnavailable


def register(sub: Any, common: Any) -> None:
    group = add_command(sub, common, "scripts", list_scripts, "scripts in the script folders")
    actions = add_actions(group)
    add_command(actions, common, "list", list_scripts, "list every script")
    p = add_command(actions, common, "search", search_scripts, "scripts matching every word")
    p.add_argument("text", nargs="+")


def script_dirs(ctx: Context) -> list[str]:
    """The folders from the daemon's live config, or from the config file when none runs."""
    try:
        config = ctx.call("config.get", namespace="scripts").get("config", {})
        return list((config.get("scripts") or {}).get("dirs") or [])
    except DaemonUnavailable:
        from sparkq_tui.commands.local_files import load_config

        return [str(d) for d in load_config(ctx.config_option).script_dirs]


def _show(ctx: Context, dirs: list[str], scripts: list[Any], empty: str) -> int:
    data = {"dirs": dirs, "scripts": [s.as_dict() for s in scripts]}

    def render() -> None:
        if not dirs:
            say("no script folders configured: add `script_dirs: [path, …]` to sparkq.yml")
            return
        rows = [(s.name, s.tool, s.description, s.path) for s in scripts]
        print_table(("NAME", "TOOL", "DESCRIPTION", "PATH"), rows, empty=empty)
        if scripts:
            say("enqueue one with: sparkq enqueue QUEUE TOOL --file PATH")

    emit(ctx.json, data, render)
    return 0


def list_scripts(ctx: Context) -> int:
    from sparkq_tui import scripts_index

    dirs = script_dirs(ctx)
    return _show(ctx, dirs, scripts_index.scan(dirs), f"no scripts in {', '.join(dirs)}")


def search_scripts(ctx: Context) -> int:
    from sparkq_tui import scripts_index

    dirs = script_dirs(ctx)
    text = " ".join(ctx.args.text)
    found = scripts_index.search(scripts_index.scan(dirs), text)
    return _show(ctx, dirs, found, f"no script matches {text!r}")
