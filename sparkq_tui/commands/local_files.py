"""Where the socket, database, config and backups are, read with the daemon's own config
loader so the rules match: a missing or broken config file is refused as the daemon refuses
it, never passed over for the defaults."""

from __future__ import annotations

import os
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


def configured_socket(socket_option: str | None, config_option: str | None) -> Path:
    """The daemon's socket: ``--socket``, then ``SPARKQ_SOCKET``, then ``server.socket`` in the
    config file, then the default. The config file, when there is one, must load as the daemon
    would load it (``UsageError`` naming the file and the problem otherwise)."""
    from sparkq_daemon import paths

    found = paths.find_config_file(config_option)
    if found is None:
        return paths.resolve_socket(socket_option)
    config = load_config(str(found))
    if socket_option or os.environ.get("SPARKQ_SOCKET"):
        return paths.resolve_socket(socket_option)
    value = config.get("server", "socket")
    return config.resolve(value) if value else paths.default_socket()


def configured_endpoint(
    url_option: str | None,
    socket_option: str | None,
    config_option: str | None,
    token_option: str | None = None,
    ca_option: str | None = None,
) -> Any:
    """The daemon's ``Endpoint``: ``--url``, then ``--socket``, then ``SPARKQ_URL``, then the
    socket ``configured_socket`` finds; a bad URL is a ``UsageError`` naming it. The config
    file is checked in every case (a broken one is refused, whatever the address)."""
    from sparkq_tui.endpoint import resolve_endpoint

    socket = configured_socket(socket_option, config_option)
    try:
        return resolve_endpoint(
            url=url_option,
            socket=socket if socket_option else None,
            token=token_option,
            ca_file=ca_option,
            socket_path=lambda: socket,
        )
    except ValueError as exc:
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
