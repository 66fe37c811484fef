"""A blocking JSON-RPC connection for the CLI: one socket (Unix, TCP or TLS), one call at a
time, ``auth.hello`` first on TCP.

The CLI makes a handful of sequential calls per run, so it skips asyncio (and orjson): both
cost tens of milliseconds to import, more than the calls themselves."""

from __future__ import annotations

import json
import socket as socketlib
from os import PathLike
from pathlib import Path
from typing import Any

from sparkq_tui.endpoint import Endpoint
from sparkq_tui.errors import (
    DaemonUnavailable,
    SparkQError,
    UnauthorizedError,
    check_request_size,
    error_from_wire,
)

_NO_DAEMON_HINT = "start one with `sparkq start`"


def _unreachable(endpoint: Endpoint, exc: BaseException) -> str:
    if endpoint.scheme == "tls" and exc.__class__.__module__ == "ssl":
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return (
            f"no TLS connection to the daemon at {endpoint} ({reason}); check --ca / SPARKQ_CA_FILE"
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    hint = _NO_DAEMON_HINT if not endpoint.remote else "is it listening there?"
    return f"no SparkQ daemon answers on {endpoint} ({reason}); {hint}"


class Connection:
    """Calls methods on the daemon at ``endpoint``; connects on the first call."""

    def __init__(
        self, endpoint: Endpoint | str | PathLike[str], timeout: float | None = 30.0
    ) -> None:
        if not isinstance(endpoint, Endpoint):  # a socket path
            endpoint = Endpoint("unix", path=Path(endpoint))
        self.endpoint = endpoint
        self.timeout = timeout
        self._sock: socketlib.socket | None = None
        self._reader: Any = None
        self._ids = 0

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._sock is not None:
            self._reader.close()
            self._sock.close()
            self._sock = None

    def _connect(self) -> socketlib.socket:
        if self._sock is None:
            endpoint = self.endpoint
            if endpoint.remote and not endpoint.token:
                raise UnauthorizedError(
                    f"the daemon at {endpoint} needs a token: set SPARKQ_TOKEN or --token"
                )
            try:
                sock = endpoint.connect(self.timeout)
            except (OSError, ValueError) as exc:
                raise DaemonUnavailable(_unreachable(endpoint, exc)) from None
            self._sock = sock
            self._reader = sock.makefile("rb")
            if endpoint.remote:
                try:
                    self._exchange("auth.hello", {"token": endpoint.token})
                except BaseException:
                    self.close()
                    raise
        return self._sock

    def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """Call ``method`` and return its result; keyword arguments that are None are left out.

        Raises the typed ``SparkQError`` for the daemon's error, ``DaemonUnavailable`` when
        nothing answers or the connection drops."""
        merged = dict(params or {})
        merged.update({k: v for k, v in kw.items() if v is not None})
        self._connect()
        return self._exchange(method, merged)

    def _exchange(self, method: str, merged: dict[str, Any]) -> Any:
        self._ids += 1
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": self._ids, "method": method}
        if merged:
            request["params"] = merged
        data = json.dumps(request, ensure_ascii=False).encode()
        check_request_size(len(data))
        sock = self._sock
        assert sock is not None
        try:
            try:
                sock.sendall(data + b"\n")
            except (BrokenPipeError, ConnectionResetError):
                last = self._last_error()  # e.g. TooLarge, said just before it closed
                if last is None:
                    raise
                self.close()
                raise error_from_wire(last) from None
            while True:
                line = self._reader.readline()
                if not line:
                    raise ConnectionResetError("the daemon closed the connection")
                reply = json.loads(line)
                # Event notifications may share the connection; only our reply matters.
                if isinstance(reply, dict) and reply.get("id") == self._ids:
                    break
        except TimeoutError:
            self.close()
            raise DaemonUnavailable(
                f"the daemon at {self.endpoint} did not answer {method} within {self.timeout:.0f} s"
            ) from None
        except OSError as exc:
            self.close()
            raise DaemonUnavailable(
                f"connection to the daemon at {self.endpoint} was lost ({exc})"
            ) from None
        except ValueError as exc:
            self.close()
            raise SparkQError(f"the daemon sent an unreadable reply: {exc}") from None
        if "error" in reply:
            raise error_from_wire(reply["error"])
        return reply.get("result")

    def _last_error(self) -> dict[str, Any] | None:
        """The error the daemon sent before closing the connection, if it sent one."""
        try:
            reply = json.loads(self._reader.readline() or b"null")
        except (OSError, ValueError):
            return None
        error = reply.get("error") if isinstance(reply, dict) else None
        return error if isinstance(error, dict) else None
