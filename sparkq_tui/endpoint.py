"""Where a client finds the daemon: a Unix socket or a TCP/TLS address with a token.

``SPARKQ_URL`` / ``--url`` (``unix:///path``, ``tcp://host:port``, ``tls://host:port``),
``SPARKQ_TOKEN`` / ``--token`` and ``SPARKQ_CA_FILE`` / ``--ca``. Without a URL the client
uses the Unix socket (``--socket``, ``SPARKQ_SOCKET``, ``server.socket``, the default).
Light on imports: ``ssl`` is loaded only for a ``tls://`` URL."""

from __future__ import annotations

import os
import socket as socketlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMES = ("unix", "tcp", "tls")


@dataclass(frozen=True)
class Endpoint:
    """One daemon address; ``token`` and ``ca_file`` matter only on TCP."""

    scheme: str
    path: Path | None = None
    host: str = ""
    port: int = 0
    token: str | None = None
    ca_file: str | None = None

    @property
    def remote(self) -> bool:
        """True for TCP and TLS: the daemon may be on another host, a token is needed."""
        return self.scheme != "unix"

    @property
    def url(self) -> str:
        if not self.remote:
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def __str__(self) -> str:
        """How messages name it: the socket path, or the URL of a remote daemon."""
        return self.url if self.remote else str(self.path)

    def environment(self) -> dict[str, str]:
        """Variables that lead a child process (a task a runner starts) to this daemon."""
        env = {"SPARKQ_URL": self.url}
        if not self.remote:
            return {**env, "SPARKQ_SOCKET": str(self.path)}
        if self.token:
            env["SPARKQ_TOKEN"] = self.token
        if self.ca_file:
            env["SPARKQ_CA_FILE"] = self.ca_file
        return env

    def ssl_context(self) -> Any:
        """The client's TLS context (the system's CAs, or ``ca_file``), None off TLS."""
        if self.scheme != "tls":
            return None
        import ssl

        ctx = ssl.create_default_context(cafile=self.ca_file)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    def connect(self, timeout: float | None) -> socketlib.socket:
        """A blocking, connected socket (TLS handshake done); ``OSError`` when it fails."""
        if not self.remote:
            sock = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(str(self.path))
            except BaseException:
                sock.close()
                raise
            return sock
        sock = socketlib.create_connection((self.host, self.port), timeout=timeout)
        ctx = self.ssl_context()
        if ctx is None:
            return sock
        try:
            return ctx.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise

    async def open(self, limit: int) -> tuple[Any, Any]:
        """An asyncio (reader, writer) pair; ``OSError`` when it fails."""
        import asyncio

        if not self.remote:
            return await asyncio.open_unix_connection(str(self.path), limit=limit)
        ctx = self.ssl_context()
        return await asyncio.open_connection(
            self.host,
            self.port,
            limit=limit,
            ssl=ctx,
            server_hostname=self.host if ctx else None,
        )


def parse_url(url: str, token: str | None = None, ca_file: str | None = None) -> Endpoint:
    """``unix:///path``, ``tcp://host:port`` or ``tls://host:port``; ``ValueError`` naming
    the URL otherwise."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise ValueError(
            f"bad daemon URL {url!r}: expected unix:///path, tcp://host:port or tls://host:port"
        )
    if scheme == "unix":
        if not rest.startswith("/"):
            raise ValueError(f"bad daemon URL {url!r}: expected an absolute path (unix:///path)")
        return Endpoint("unix", path=Path(rest))
    host, colon, port = rest.rstrip("/").rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad daemon URL {url!r}: expected {scheme}://host:port")
    return Endpoint(scheme, host=host, port=int(port), token=token, ca_file=ca_file)


def resolve_endpoint(
    *,
    url: str | None = None,
    socket: str | os.PathLike[str] | None = None,
    token: str | None = None,
    ca_file: str | None = None,
    socket_path: Any = None,
) -> Endpoint:
    """The daemon to talk to: ``url``, then ``socket``, then ``SPARKQ_URL``, then the Unix
    socket ``socket_path()`` finds (a callable, called only when needed). The token and CA
    file come from the arguments, then ``SPARKQ_TOKEN`` and ``SPARKQ_CA_FILE``."""
    token = token or os.environ.get("SPARKQ_TOKEN") or None
    ca_file = ca_file or os.environ.get("SPARKQ_CA_FILE") or None
    if url:
        return parse_url(url, token, ca_file)
    if not socket and os.environ.get("SPARKQ_URL"):
        return parse_url(os.environ["SPARKQ_URL"], token, ca_file)
    if socket:
        return Endpoint("unix", path=Path(socket).expanduser())
    if socket_path is not None:
        return Endpoint("unix", path=Path(socket_path()))
    from sparkq_daemon.paths import resolve_socket

    return Endpoint("unix", path=resolve_socket(None))
