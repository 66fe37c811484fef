"""Where the database and config live when no daemon is there to ask (setup, teardown,
backup-restore): the same resolution as the daemon's."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sparkq_daemon import paths
from sparkq_tui.commands.context import UsageError


def read_config(path: Path | None) -> dict[str, Any]:
    """The parsed config file (empty when none); a ``UsageError`` when it does not parse."""
    if path is None or not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read config file {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def configured_db(config_option: str | None, db_option: str | None = None) -> Path:
    """The database path: ``--db``, ``SPARKQ_DB``, ``database.path`` in the config file (relative
    to it), then the default under the user data dir."""
    if db_option:
        return Path(db_option).expanduser().resolve()
    env = os.environ.get("SPARKQ_DB")
    if env:
        return Path(env).expanduser().resolve()
    config_path = paths.find_config_file(config_option)
    database = read_config(config_path).get("database")
    value = database.get("path") if isinstance(database, dict) else None
    if isinstance(value, str) and value and config_path is not None:
        return (config_path.parent / os.path.expanduser(value)).resolve()
    return paths.default_db()


def backups_of(db: Path) -> list[dict[str, Any]]:
    """Backup files of ``db`` (``<db folder>/backups/sparkq-*.db``), newest first."""
    folder = db.parent / "backups"
    files = sorted(folder.glob("sparkq-*.db"), reverse=True) if folder.is_dir() else []
    return [{"name": f.name, "path": str(f), "bytes": f.stat().st_size} for f in files]
