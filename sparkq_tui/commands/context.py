"""What every command handler receives: the parsed options and a lazy daemon connection."""

from __future__ import annotations

import argparse
from functools import cached_property
from pathlib import Path
from typing import Any

from sparkq_tui.commands.connection import Connection


class UsageError(Exception):
    """Bad input from the user, found after parsing (exit code 2)."""


class BadArguments(UsageError):
    """Arguments that do not fit together: reported with the usage of the command typed."""


class Context:
    """Global options (``--socket``, ``--config``, ``--json``) and the connection."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.socket_option: str | None = getattr(args, "socket", None)
        self.config_option: str | None = getattr(args, "config", None)
        self.json: bool = bool(getattr(args, "json", False))
        self._connection: Connection | None = None

    @cached_property
    def socket_path(self) -> Path:
        from sparkq_tui.commands.local_files import configured_socket

        return configured_socket(self.socket_option, self.config_option)

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(self.socket_path)
        return self._connection

    def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """One call to the daemon (see ``Connection.call``)."""
        return self.connection.call(method, params, **kw)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
