"""A blocking JSON-RPC connection for the CLI: one socket, one call at a time.

The CLI makes a handful of sequential calls per run, so it skips asyncio (and orjson): both
cost tens of milliseconds to import, more than the calls themselves."""

from __future__ import annotations

import json
import socket as socketlib
from pathlib import Path
from typing import Any

from sparkq_tui.errors import (
    DaemonUnavailable,
    SparkQError,
    check_request_size,
    error_from_wire,
)

_NO_DAEMON_HINT = "start one with `sparkq start`"


class Connection:
    """Calls methods on the daemon at ``socket_path``; connects on the first call."""

    def __init__(self, socket_path: Path, timeout: float | None = 30.0) -> None:
        self.socket_path = socket_path
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
            sock = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(str(self.socket_path))
            except (OSError, ValueError) as exc:
                sock.close()
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise DaemonUnavailable(
                    f"no SparkQ daemon answers on {self.socket_path} ({reason}); {_NO_DAEMON_HINT}"
                ) from None
            self._sock = sock
            self._reader = sock.makefile("rb")
        return self._sock

    def call(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """Call ``method`` and return its result; keyword arguments that are None are left out.

        Raises the typed ``SparkQError`` for the daemon's error, ``DaemonUnavailable`` when
        nothing answers or the connection drops."""
        merged = dict(params or {})
        merged.update({k: v for k, v in kw.items() if v is not None})
        self._ids += 1
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": self._ids, "method": method}
        if merged:
            request["params"] = merged
        data = json.dumps(request, ensure_ascii=False).encode()
        check_request_size(len(data))
        sock = self._connect()
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
                f"the daemon at {self.socket_path} did not answer {method} "
                f"within {self.timeout:.0f} s"
            ) from None
        except OSError as exc:
            self.close()
            raise DaemonUnavailable(
                f"connection to the daemon at {self.socket_path} was lost ({exc})"
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
