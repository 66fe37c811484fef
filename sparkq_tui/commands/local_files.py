"""Where the database, config and backups live when no daemon is there to ask (setup,
teardown, backup-restore, scripts): the daemon's own config loader, so the rules match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sparkq_tui.commands.context import UsageError


def load_config(config_option: str | None) -> Any:
    """The daemon's resolved ``Config``; a ``UsageError`` naming the problem in a bad file."""
    from sparkq_daemon.config import ConfigError
    from sparkq_daemon.config import load_config as daemon_load_config

    try:
        return daemon_load_config(config_option)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def configured_db(config_option: str | None, db_option: str | None = None) -> Path:
    """The database path: ``--db``, then ``database.path`` in the config file (relative to
    it), then the default under the user data dir."""
    return load_config(config_option).db_path(db_option)


def backups_of(db: Path) -> list[dict[str, Any]]:
    """Backup files of ``db`` (``<db folder>/backups/sparkq-*.db``), newest first."""
    folder = db.parent / "backups"
    files = sorted(folder.glob("sparkq-*.db"), reverse=True) if folder.is_dir() else []
    return [{"name": f.name, "path": str(f), "bytes": f.stat().st_size} for f in files]
