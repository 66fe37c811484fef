"""The daemon's lifecycle: ``start``, ``stop``, ``restart``, ``status``, ``run``, ``setup``,
``teardown``."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from sparkq_tui.commands import add_command
from sparkq_tui.commands.confirm import confirm
from sparkq_tui.commands.context import Context, UsageError
from sparkq_tui.commands.output import (
    counts_text,
    duration,
    emit,
    human_bytes,
    print_fields,
    say,
    warn,
)
from sparkq_tui.errors import DaemonUnavailable, SparkQError


def register(sub: Any, common: Any) -> None:
    p = add_command(sub, common, "start", start, "start the daemon in the background")
    _daemon_options(p)
    p = add_command(sub, common, "stop", stop, "stop the background daemon")
    p = add_command(sub, common, "restart", restart, "stop the daemon, then start it again")
    _daemon_options(p)
    add_command(sub, common, "status", status, "is the daemon running? pid, uptime, paths, counts")
    p = add_command(sub, common, "run", run, "run the daemon in the foreground (logs to stderr)")
    p.add_argument("--db", default=None, help="the database file")
    p = add_command(
        sub, common, "setup", setup, "write a commented sparkq.yml and create the database"
    )
    p.add_argument(
        "path",
        nargs="?",
        default=None,
        help="file or folder for sparkq.yml (default: the user config dir)",
    )
    p.add_argument("--db", default=None, help="database path to write into the config")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p = add_command(
        sub, common, "teardown", teardown, "remove SparkQ's database, backups, config and logs"
    )
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def _daemon_options(p: Any) -> None:
    p.add_argument("--db", default=None, help="the database file (default from the config)")
    p.add_argument("--log-file", default=None, help="default: daemon.log in the user log dir")


def _config_file(ctx: Context) -> Path | None:
    from sparkq_daemon import paths

    found = paths.find_config_file(ctx.config_option)
    if found is not None and not found.is_file():
        raise UsageError(f"config file {found} does not exist")
    return found.resolve() if found is not None else None


def _check_socket(path: Path) -> None:
    from sparkq_daemon import paths

    try:
        paths.check_socket_path(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _start(ctx: Context, config: Any, db: Any, log_file: Any) -> dict[str, Any]:
    from sparkq_tui import daemon_control
    from sparkq_tui.commands.local_files import load_config

    # The daemon would refuse a bad file too, but only in its log: say it here, plainly.
    load_config(str(config) if config else None)
    log = (
        Path(log_file).expanduser()
        if log_file
        else daemon_control.default_log_file(ctx.socket_path)
    )
    try:
        info = daemon_control.start_background(ctx.socket_path, config=config, db=db, log_file=log)
    except RuntimeError as exc:
        raise SparkQError(f"{exc} (log: {log})") from None
    return {**info, "socket": str(ctx.socket_path), "log_file": str(log)}


def start(ctx: Context) -> int:
    from sparkq_tui import daemon_control

    _check_socket(ctx.socket_path)
    running = daemon_control.ping(ctx.socket_path)
    if running is not None:
        info = {**running, "socket": str(ctx.socket_path), "already_running": True}
        message = f"SparkQ daemon already running (pid {running.get('pid')}) on {ctx.socket_path}"
        emit(ctx.json, info, lambda: say(message))
        return 0
    info = _start(ctx, _config_file(ctx), ctx.args.db, ctx.args.log_file)
    emit(
        ctx.json,
        info,
        lambda: say(
            f"SparkQ daemon started (pid {info.get('pid')}) on {info['socket']}\n"
            f"log: {info['log_file']}"
        ),
    )
    return 0


def stop(ctx: Context) -> int:
    from sparkq_tui import daemon_control

    try:
        stopped = daemon_control.stop(ctx.socket_path)
    except RuntimeError as exc:
        raise SparkQError(str(exc)) from None
    result = {"stopped": stopped, "socket": str(ctx.socket_path)}
    message = "SparkQ daemon stopped" if stopped else f"no daemon was running on {ctx.socket_path}"
    emit(ctx.json, result, lambda: say(message))
    return 0


def restart(ctx: Context) -> int:
    from sparkq_tui import daemon_control

    _check_socket(ctx.socket_path)
    config: Any = None
    db: Any = ctx.args.db
    if daemon_control.ping(ctx.socket_path) is not None:
        # Start again with what the running daemon uses, unless told otherwise.
        info = ctx.call("system.info")
        ctx.close()
        config = info.get("config_path")
        db = db or info.get("db_path")
        try:
            daemon_control.stop(ctx.socket_path)
        except RuntimeError as exc:
            raise SparkQError(str(exc)) from None
    if ctx.config_option or config is None:
        config = _config_file(ctx)
    info = _start(ctx, config, db, ctx.args.log_file)
    emit(
        ctx.json,
        info,
        lambda: say(f"SparkQ daemon restarted (pid {info.get('pid')}) on {info['socket']}"),
    )
    return 0


def status(ctx: Context) -> int:
    try:
        info = ctx.call("system.info")
        stats = ctx.call("system.stats")
    except DaemonUnavailable:
        result = {"running": False, "socket": str(ctx.socket_path)}
        if ctx.json:
            emit(True, result, lambda: None)
        warn(f"no SparkQ daemon answers on {ctx.socket_path}; start one with `sparkq start`")
        return 3
    result = {"running": True, **info, "stats": stats}
    emit(ctx.json, result, lambda: _render_status(info, stats))
    return 0


def _render_status(info: dict[str, Any], stats: dict[str, Any]) -> None:
    print_fields(
        [
            ("daemon", f"running (pid {info.get('pid')}, version {info.get('version')})"),
            ("uptime", duration(float(info.get("uptime_s") or 0))),
            ("socket", info.get("socket")),
            ("database", _database_text(info, stats)),
            ("config", info.get("config_path") or "(built-in defaults)"),
            ("backups", info.get("backups_dir")),
            ("sessions", stats.get("sessions")),
            ("queues", stats.get("queues")),
            ("tasks", counts_text(stats.get("tasks")) or "none"),
        ],
        title="SparkQ",
    )


def _database_text(info: dict[str, Any], stats: dict[str, Any]) -> str:
    """The SQLite file, or the engine and URL and whether this daemon leads."""
    size = human_bytes(stats.get("db_bytes"))
    if info.get("engine", "sqlite") == "sqlite":
        return f"{info.get('db_path')} ({size})"
    role = "leads" if info.get("leader") else "does not lead"
    return f"{info.get('engine')} {info.get('database_url')} ({size}); {role} the periodic jobs"


def _daemon_argv() -> list[str]:
    beside = Path(sys.executable).parent / "sparkq-daemon"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("sparkq-daemon")
    return [found] if found else [sys.executable, "-m", "sparkq_daemon"]


def run(ctx: Context) -> int:
    _check_socket(ctx.socket_path)
    argv = [*_daemon_argv(), "--socket", str(ctx.socket_path)]
    config = _config_file(ctx)
    if config is not None:
        argv += ["--config", str(config)]
    if ctx.args.db:
        argv += ["--db", str(Path(ctx.args.db).expanduser().resolve())]
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 0  # not reached


def _setup_target(path: str | None) -> Path:
    from sparkq_daemon import paths

    if path is None:
        return paths.config_dir() / "sparkq.yml"
    target = Path(path).expanduser()
    if target.is_dir() or path.endswith(os.sep):
        target = target / "sparkq.yml"
    return target.resolve()


def setup(ctx: Context) -> int:
    from sparkq_tui import daemon_control
    from sparkq_tui.commands import config_template
    from sparkq_tui.commands.local_files import configured_db

    args = ctx.args
    target = _setup_target(args.path)
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists already; pass --force to overwrite it")
    db_value = str(Path(args.db).expanduser().resolve()) if args.db else None
    socket_value = None
    if ctx.socket_option:
        socket_value = str(Path(ctx.socket_option).expanduser().resolve())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(config_template.render(socket_value, db_value), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc}") from None
    db = configured_db(str(target), args.db)
    result: dict[str, Any] = {"config_path": str(target), "db_path": str(db), "created_db": False}
    lines = [f"wrote {target}"]
    if daemon_control.ping(ctx.socket_path) is not None:
        lines.append(f"a daemon already runs on {ctx.socket_path}: database left as it is")
    elif db.exists():
        lines.append(f"database {db} exists already")
    else:
        # Only the daemon opens the database: run it once to create the schema.
        _start(ctx, target, db, None)
        try:
            daemon_control.stop(ctx.socket_path)
        except RuntimeError as exc:
            raise SparkQError(str(exc)) from None
        result["created_db"] = True
        lines.append(f"created database {db}")
    from sparkq_daemon import paths

    if paths.find_config_file(ctx.config_option) != target:
        lines.append(f"this file is used when you pass --config {target} or set SPARKQ_CONFIG")
    lines.append("next: `sparkq start`, then `sparkq session create NAME`")
    emit(ctx.json, result, lambda: say("\n".join(lines)))
    return 0


def _teardown_targets(ctx: Context) -> tuple[list[Path], bool]:
    """Files and folders SparkQ created, and whether a daemon runs (it is stopped first)."""
    from sparkq_daemon import paths
    from sparkq_tui import daemon_control
    from sparkq_tui.commands.local_files import configured_db

    running = daemon_control.ping(ctx.socket_path) is not None
    config: Path | None
    if running:
        info = ctx.call("system.info")
        ctx.close()
        db = Path(info["db_path"])
        config = Path(info["config_path"]) if info.get("config_path") else None
    else:
        db = configured_db(ctx.config_option)
        config = paths.find_config_file(ctx.config_option)
    targets = [Path(str(db) + suffix) for suffix in ("", "-wal", "-shm", ".lock")]
    # Only our own backup files: the folder may hold other things next to a custom database.
    targets += sorted((db.parent / "backups").glob("sparkq-*.db"))
    if config is not None:
        targets.append(config)
    targets.append(paths.log_dir())
    return [t for t in targets if t.exists()], running


def teardown(ctx: Context) -> int:
    from sparkq_daemon import paths
    from sparkq_tui import daemon_control

    targets, running = _teardown_targets(ctx)
    leftover_folders = {t.parent for t in targets if t.parent.name == "backups"}
    if not targets and not running:
        emit(ctx.json, {"removed": []}, lambda: say("nothing to remove"))
        return 0
    listing = "\n".join(f"  {t}" for t in targets)
    question = f"Stop the daemon and remove:\n{listing}\n" if running else f"Remove:\n{listing}\n"
    if not confirm(question + "This cannot be undone. Go on?", ctx.args.yes):
        say("nothing removed")
        return 0
    if running:
        try:
            daemon_control.stop(ctx.socket_path)
        except RuntimeError as exc:
            raise SparkQError(str(exc)) from None
    for target in targets:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    own_folders = (paths.data_dir(), paths.config_dir(), paths.log_dir().parent)
    for folder in (*leftover_folders, *own_folders):
        # Leave a folder alone unless it is SparkQ's own and now empty.
        with contextlib.suppress(OSError):
            folder.rmdir()
    emit(
        ctx.json,
        {"removed": [str(t) for t in targets], "stopped_daemon": running},
        lambda: say("removed:\n" + listing if targets else "daemon stopped; nothing to remove"),
    )
    return 0
