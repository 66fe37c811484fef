"""Apply the config file to the daemon: at each start and on ``config.reload``.

What the file changed is applied, unless the live value was changed over the protocol since
the file's value was applied (the store keeps that record: ``Store.config_sync``): then the live value
wins and the result lists it under ``kept``. ``server.*``, ``database.*``, ``metrics.*`` and
``webhooks.*`` are read only at start; ``script_dirs`` always follows the file."""

from __future__ import annotations

import logging
from typing import Any

from sparkq_daemon.config import LIVE_NAMESPACES, Config, ConfigError, load_config
from sparkq_daemon.context import Daemon
from sparkq_daemon.errors import Validation

log = logging.getLogger("sparkq.config")

START_ONLY = (
    ("server", "socket"),
    ("server", "tcp"),
    ("database", "path"),
    ("database", "synchronous"),
    ("database", "url"),
    ("metrics", "listen"),
    ("webhooks", "timeout_seconds"),
    ("webhooks", "retry_schedule"),
)
READ_AT_START = "read only when the daemon starts: restart it to apply"


def file_values(config: Config) -> dict[str, Any]:
    """The file's value per key, in the shape ``config_sync.sync`` compares."""
    out: dict[str, Any] = {
        f"{ns}.{key}": value for ns in LIVE_NAMESPACES for key, value in config.settings[ns].items()
    }
    for name, spec in config.task_classes.items():
        out[f"task_classes.{name}"] = {
            "timeout": spec["timeout"],
            "description": spec.get("description", ""),
            **{k: spec[k] for k in ("max_attempts", "backoff") if spec.get(k) is not None},
        }
    for name, spec in config.tools.items():
        out[f"tools.{name}"] = {
            "task_class": spec["task_class"],
            "description": spec.get("description", ""),
            "command": spec.get("command"),
        }
    for key, role in config.roles.items():
        out[f"roles.{key}"] = dict(role)
    return out


def _start_only(running: Config, new: Config) -> list[dict[str, Any]]:
    kept = []
    for ns, key in START_ONLY:
        before, after = running.get(ns, key), new.get(ns, key)
        if before != after:
            kept.append(
                {"key": f"{ns}.{key}", "value": before, "file": after, "reason": READ_AT_START}
            )
        new.settings[ns][key] = before  # still what this daemon runs with
    return kept


def _show(value: Any) -> str:
    return "(none)" if value is None else repr(value)


async def apply_file(daemon: Daemon, config: Config) -> dict[str, Any]:
    """Apply ``config`` (freshly loaded) to the store and the daemon; log and return
    ``{file, applied: [{key, old, new}], kept: [{key, value, file, reason}], unchanged}``."""
    outcome = await daemon.store.config_sync(file_values(config))
    applied, unchanged = outcome["applied"], outcome["unchanged"]
    old_dirs = [str(p) for p in daemon.config.script_dirs]
    new_dirs = [str(p) for p in config.script_dirs]
    if old_dirs != new_dirs:
        applied.append({"key": "script_dirs", "old": old_dirs, "new": new_dirs})
    else:
        unchanged += 1
    kept = outcome["kept"] + _start_only(daemon.config, config)
    daemon.config = config
    daemon.settings = await daemon.store.settings_load()
    source = str(config.source) if config.source else None
    for change in applied:
        log.info(
            "config %s: %s → %s (from %s)",
            change["key"],
            _show(change["old"]),
            _show(change["new"]),
            source or "the defaults",
        )
    for entry in kept:
        log.info(
            "config %s: kept %s, not the file's %s: %s",
            entry["key"],
            _show(entry["value"]),
            _show(entry["file"]),
            entry["reason"],
        )
    return {"file": source, "applied": applied, "kept": kept, "unchanged": unchanged}


async def reload(daemon: Daemon) -> dict[str, Any]:
    """Re-read the daemon's config file and apply it; a file that does not load is refused
    (Validation naming the file and the problem) and the running config stays as it was."""
    try:
        config = load_config(daemon.config.source)
    except ConfigError as exc:
        source = daemon.config.source
        raise Validation(
            f"config not reloaded: {exc}", file=str(source) if source else None
        ) from None
    return await apply_file(daemon, config)
