"""Where SparkQ keeps its socket, database, config and logs (platformdirs), and how a
socket path is resolved. Light on imports: the CLI and clients use it on every call."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "sparkq"
SOCKET_PATH_MAX = 107  # sun_path is 108 bytes including the terminating NUL


def runtime_dir() -> Path:
    """The folder of the default socket (``XDG_RUNTIME_DIR`` is often unset: fall back quietly)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        return Path(base) / APP
    import tempfile

    return Path(tempfile.gettempdir()) / f"{APP}-{os.getuid()}"


def data_dir() -> Path:
    """The default folder of the database and its backups."""
    return Path(platformdirs.user_data_dir(APP))


def config_dir() -> Path:
    """The user's config folder (``sparkq.yml``, ``themes/``)."""
    return Path(platformdirs.user_config_dir(APP))


def log_dir() -> Path:
    """The folder of the background daemon's log file."""
    return Path(platformdirs.user_log_dir(APP))


def default_socket() -> Path:
    return runtime_dir() / "sparkq.sock"


def default_db() -> Path:
    return data_dir() / "sparkq.db"


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file in resolution order: explicit, ``SPARKQ_CONFIG``, ``./sparkq.yml``,
    the user config dir. An explicit or environment path must exist; the others may not."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SPARKQ_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / "sparkq.yml", config_dir() / "sparkq.yml"):
        if candidate.is_file():
            return candidate
    return None


def _socket_from_config(config: str | os.PathLike[str] | None) -> Path | None:
    path = find_config_file(config)
    if path is None or not path.is_file():
        return None
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    server = data.get("server") if isinstance(data, dict) else None
    value = server.get("socket") if isinstance(server, dict) else None
    if not isinstance(value, str) or not value:
        return None
    return (path.parent / os.path.expanduser(value)).resolve()


def resolve_socket(
    socket: str | os.PathLike[str] | None = None, config: str | os.PathLike[str] | None = None
) -> Path:
    """The socket path: ``socket``, then ``SPARKQ_SOCKET``, then ``server.socket`` from the
    config file, then the default under the user runtime dir."""
    if socket:
        return Path(socket).expanduser()
    env = os.environ.get("SPARKQ_SOCKET")
    if env:
        return Path(env).expanduser()
    return _socket_from_config(config) or default_socket()


def check_socket_path(path: Path) -> None:
    """Raise ``ValueError`` naming the path when it cannot be a Unix socket address."""
    if len(os.fsencode(str(path))) > SOCKET_PATH_MAX:
        raise ValueError(
            f"socket path {str(path)!r} is {len(os.fsencode(str(path)))} bytes; "
            f"a Unix socket path must be at most {SOCKET_PATH_MAX} bytes"
        )
