"""A raw line-oriented socket for protocol tests: send exact bytes, read exact replies."""

from __future__ import annotations

import json
import socket
import ssl
from pathlib import Path
from typing import Any


def tcp_wire(url: str, ssl_context: ssl.SSLContext | None = None, timeout: float = 10.0) -> Wire:
    """A ``Wire`` over TCP to ``tcp://host:port`` (or TLS with ``ssl_context``)."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    if ssl_context is not None:
        sock = ssl_context.wrap_socket(sock, server_hostname=host)
    return Wire(None, timeout, sock=sock)


class Wire:
    """A blocking Unix socket speaking newline-delimited JSON."""

    def __init__(
        self, path: Path | str | None, timeout: float = 10.0, *, sock: socket.socket | None = None
    ) -> None:
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(str(path))
        self.sock = sock
        self.buf = b""
        self._next_id = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_line(self) -> bytes:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed by the daemon")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def read(self) -> Any:
        return json.loads(self.read_line())

    def request(self, method: str, params: Any = None, **kw: Any) -> dict[str, Any]:
        """Send one request and return the whole reply object (result or error)."""
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None or kw:
            message["params"] = params if params is not None else kw
        self.send_raw(json.dumps(message).encode() + b"\n")
        while True:
            reply = self.read()
            if isinstance(reply, dict) and reply.get("id") == self._next_id:
                return reply

    def call(self, method: str, **params: Any) -> Any:
        """The result, or AssertionError showing the error."""
        reply = self.request(method, params)
        assert "result" in reply, reply
        return reply["result"]

    def error(self, method: str, **params: Any) -> dict[str, Any]:
        """The error object of a call that must fail."""
        reply = self.request(method, params)
        assert "error" in reply, reply
        return reply["error"]
