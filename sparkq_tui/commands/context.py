"""What every command handler receives: the parsed options and a lazy daemon connection."""

from __future__ import annotations

import argparse
from functools import cached_property
from pathlib import Path
from typing import Any

from sparkq_tui.commands.connection import Connection
from sparkq_tui.endpoint import Endpoint


class UsageError(Exception):
    """Bad input from the user, found after parsing (exit code 2)."""


class BadArguments(UsageError):
    """Arguments that do not fit together: reported with the usage of the command typed."""


class Context:
    """Global options (``--socket``, ``--url``, ``--token``, ``--ca``, ``--config``,
    ``--json``) and the connection."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.socket_option: str | None = getattr(args, "socket", None)
        self.url_option: str | None = getattr(args, "url", None)
        self.token_option: str | None = getattr(args, "token", None)
        self.ca_option: str | None = getattr(args, "ca", None)
        self.config_option: str | None = getattr(args, "config", None)
        self.json: bool = bool(getattr(args, "json", False))
        self._connection: Connection | None = None

    @cached_property
    def endpoint(self) -> Endpoint:
        """The daemon to talk to (``UsageError`` for a bad URL)."""
        from sparkq_tui.commands.local_files import configured_endpoint

        return configured_endpoint(
            self.url_option,
            self.socket_option,
            self.config_option,
            self.token_option,
            self.ca_option,
        )

    @cached_property
    def socket_path(self) -> Path:
        """The local daemon's socket; a ``UsageError`` when the daemon is remote (a command
        that starts, stops or restores a daemon works only on its host)."""
        endpoint = self.endpoint
        if endpoint.path is None:
            raise UsageError(f"the daemon at {endpoint} is remote: run this command on its host")
        return endpoint.path

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(self.endpoint)
        return self._connection

    def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """One call to the daemon (see ``Connection.call``)."""
        return self.connection.call(method, params, **kw)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
