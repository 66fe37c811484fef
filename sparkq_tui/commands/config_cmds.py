"""Configuration and backups: ``config get|set``, ``config-export``, ``backup-list``,
``backup-restore``."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkq_tui.commands import add_actions, add_command
from sparkq_tui.commands.confirm import confirm
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.local_files import backups_of, configured_db
from sparkq_tui.commands.output import (
    emit,
    human_bytes,
    local_time,
    print_json,
    print_table,
    say,
)
from sparkq_tui.errors import MethodNotFoundError, SparkQError


def register(sub: Any, common: Any) -> None:
    group = add_command(sub, common, "config", config_get, "live settings: get, set")
    actions = add_actions(group)
    p = add_command(actions, common, "get", config_get, "show settings")
    p.add_argument("namespace", nargs="?", default=None, help="e.g. purge, queue_runner, ui")
    p.add_argument("key", nargs="?", default=None)
    p = add_command(actions, common, "set", config_set, "change one setting (audited)")
    p.add_argument("namespace")
    p.add_argument("key")
    p.add_argument("value", help="a JSON value (a bare word is taken as a string)")

    add_command(
        sub,
        common,
        "reload",
        reload,
        "re-read sparkq.yml in the daemon and apply what changed",
        description=(
            "Ask the daemon to re-read its config file and apply what changed; values set "
            "over the protocol since win and are listed as kept."
        ),
    )
    p = add_command(
        sub, common, "config-export", config_export, "write the live configuration as sparkq.yml"
    )
    p.add_argument("-o", "--output", default=None, metavar="F", help="file to write (stdout)")

    add_command(sub, common, "backup-list", backup_list, "list database backups, newest first")
    p = add_command(
        sub,
        common,
        "backup-restore",
        backup_restore,
        "replace the database with a backup (stops and restarts a running daemon)",
    )
    p.add_argument("backup", help="its number in `sparkq backup-list` (1 = newest) or its name")
    p.add_argument("--db", default=None, help="the database, when no daemon runs to ask")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def reload(ctx: Context) -> int:
    from sparkq_tui.errors import MethodNotFoundError

    try:
        result = ctx.call("config.reload")
    except MethodNotFoundError as exc:
        raise SparkQError(
            f"{exc.message}: the daemon at {ctx.socket_path} cannot reload its configuration; "
            "`sparkq restart` makes it read the file again"
        ) from None
    emit(ctx.json, result, lambda: say(_reload_text(result)))
    return 0


def _reload_text(result: Any) -> str:
    if not isinstance(result, dict):
        return "configuration reloaded"
    lines = [f"reloaded {result.get('file') or 'the built-in defaults'}"]
    for entry in result.get("applied") or []:
        lines.append(f"  changed {entry.get('key')}: {entry.get('old')!r} -> {entry.get('new')!r}")
    for entry in result.get("kept") or []:
        reason = f" ({entry['reason']})" if entry.get("reason") else ""
        lines.append(f"  kept {entry.get('key')} = {entry.get('value')!r}{reason}")
    if len(lines) == 1:
        lines.append("  nothing changed")
    return "\n".join(lines)


def config_get(ctx: Context) -> int:
    namespace = getattr(ctx.args, "namespace", None)
    key = getattr(ctx.args, "key", None)
    result = ctx.call("config.get", namespace=namespace, key=key)
    config = result.get("config", {})
    rows = [
        (ns, k, json.dumps(v, ensure_ascii=False))
        for ns, values in config.items()
        if isinstance(values, dict)
        for k, v in values.items()
    ]
    emit(ctx.json, result, lambda: print_table(("NAMESPACE", "KEY", "VALUE"), rows, empty="-"))
    return 0


def config_set(ctx: Context) -> int:
    args = ctx.args
    try:
        value = json.loads(args.value)
    except ValueError:
        value = args.value
    result = ctx.call("config.set", namespace=args.namespace, key=args.key, value=value)
    emit(
        ctx.json,
        result,
        lambda: say(f"{args.namespace}.{args.key} = {json.dumps(value, ensure_ascii=False)}"),
    )
    return 0


def live_config(ctx: Context) -> dict[str, Any]:
    """The daemon's live settings in the shape of sparkq.yml."""
    from sparkq_daemon import paths

    config = ctx.call("config.get").get("config", {})
    info = ctx.call("system.info")
    tools = ctx.call("tool.list")["tools"]
    classes = ctx.call("task_class.list")["task_classes"]
    socket = info.get("socket")
    db_path = info.get("db_path")
    database: dict[str, Any] = {
        "path": None if db_path == str(paths.default_db()) else db_path,
        **(config.get("database") or {}),
    }
    out: dict[str, Any] = {
        "server": {"socket": None if socket == str(paths.default_socket()) else socket},
        "database": database,
        "purge": config.get("purge") or {},
        "queue_runner": config.get("queue_runner") or {},
        "task_classes": {
            c["name"]: _without_none(
                {"timeout": c.get("timeout"), "description": c.get("description")}
            )
            for c in classes
        },
        "tools": {
            t["name"]: _without_none(
                {
                    "description": t.get("description"),
                    "task_class": t.get("task_class"),
                    "command": t.get("command"),
                    "pickle": t.get("pickle") or None,
                }
            )
            for t in tools
        },
        "script_dirs": (config.get("scripts") or {}).get("dirs", []),
        "backups": config.get("backups") or {},
    }
    out.update(_routing(ctx, config))
    # The `ui` namespace stays out: it is the cockpit's, and sparkq.yml has no such section.
    return out


def _routing(ctx: Context, config: dict[str, Any]) -> dict[str, Any]:
    """``project``, ``roles``, ``model_profiles`` and ``defaults`` (those a daemon has)."""
    out: dict[str, Any] = {}
    for section in ("project", "model_profiles", "defaults"):
        if section in config:
            out[section] = config[section]
    try:
        roles = ctx.call("role.list")["roles"]
    except MethodNotFoundError:  # a daemon without roles
        return out
    out["roles"] = {
        r["key"]: {k: r[k] for k in ("label", "description", "prompt", "active")} for r in roles
    }
    return out


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def config_export(ctx: Context) -> int:
    data = live_config(ctx)
    if ctx.json and not ctx.args.output:
        print_json(data)
        return 0
    import yaml

    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    text = f"# SparkQ configuration exported by `sparkq config-export` at {stamp}\n" + (
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )
    if ctx.args.output:
        target = Path(ctx.args.output).expanduser()
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc}") from None
        say(f"wrote {target}")
    else:
        print(text, end="")
    return 0


def backup_list(ctx: Context) -> int:
    backups = ctx.call("backup.list")["backups"]
    rows = [
        (i, b.get("name"), human_bytes(b.get("bytes")), local_time(b.get("created_at")), b["path"])
        for i, b in enumerate(backups, 1)
    ]
    emit(
        ctx.json,
        {"backups": backups},
        lambda: print_table(("#", "NAME", "SIZE", "TAKEN", "PATH"), rows, empty="no backups yet"),
    )
    return 0


def _pick(backups: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    if wanted.isdigit():
        n = int(wanted)
        if 1 <= n <= len(backups):
            return backups[n - 1]
        raise UsageError(f"no backup number {n}: there are {len(backups)} (`sparkq backup-list`)")
    for backup in backups:
        if wanted in (backup.get("name"), backup.get("path")):
            return backup
    raise UsageError(f"no backup named {wanted!r} (see `sparkq backup-list`)")


def backup_restore(ctx: Context) -> int:
    from sparkq_daemon.backup import mark_restored
    from sparkq_tui import daemon_control

    args = ctx.args
    running = daemon_control.ping(ctx.socket_path) is not None
    config_path = None
    if running:
        info = ctx.call("system.info")
        db = Path(info["db_path"])
        config_path = info.get("config_path")
        backups = ctx.call("backup.list")["backups"]
        ctx.close()
    else:
        db = configured_db(ctx.config_option, args.db)
        backups = backups_of(db)
    backup = _pick(backups, args.backup)
    source = Path(backup["path"])
    restart = " (the daemon is stopped and started again)" if running else ""
    if not confirm(f"Replace {db} with {source.name}?{restart}", args.yes):
        say("nothing restored")
        return 0
    try:
        if running:
            daemon_control.stop(ctx.socket_path)
        kept = _keep_replaced(db)
        _copy_over(source, db)
        mark_restored(db, source.name)
        if running:
            daemon_control.start_background(ctx.socket_path, config=config_path, db=db)
    except RuntimeError as exc:
        raise SparkQError(str(exc)) from None
    result = {
        "restored": backup,
        "db_path": str(db),
        "replaced_kept_as": str(kept) if kept else None,
        "daemon_restarted": running,
    }
    note = f" (the database it replaced is kept as {kept})" if kept else ""
    emit(ctx.json, result, lambda: say(f"restored {source.name} over {db}{note}"))
    return 0


def _keep_replaced(db: Path) -> Path | None:
    """Keep the database about to be replaced as a before-restore backup beside the others."""
    import sqlite3

    from sparkq_daemon.backup import keep_before_restore

    try:
        return keep_before_restore(db, db.parent / "backups")
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(
            f"cannot keep a copy of {db} before restoring, nothing restored: {exc}"
        ) from None


def _copy_over(source: Path, db: Path) -> None:
    """Copy ``source`` over ``db`` atomically and drop the old WAL and shared-memory files."""
    temporary = db.with_name(db.name + ".restoring")
    try:
        shutil.copyfile(source, temporary)
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        os.replace(temporary, db)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot restore {source} over {db}: {exc}") from None
