"""A daemon with a TLS listener on 127.0.0.1 (certificates made here by trustme), and tokens."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.daemon_process import DaemonProcess
from tests.wire import Wire, tcp_wire


@dataclass
class Remote:
    """A running daemon with a TCP listener: its URL, the CA file and a trusting context."""

    daemon: DaemonProcess
    url: str
    ca_file: Path
    context: ssl.SSLContext

    def token(self, name: str, scope: str) -> str:
        """A new token's secret (created over the Unix socket, as its owner)."""
        with Wire(self.daemon.socket) as w:
            return w.call("token.create", name=name, scope=scope)["token"]

    def wire(self, token: str | None = None) -> Wire:
        """A TLS connection, authenticated with ``token`` when given."""
        w = tcp_wire(self.url, self.context if self.url.startswith("tls") else None)
        if token is not None:
            w.call("auth.hello", token=token)
        return w


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def make_remote(
    make_daemon: Callable[..., DaemonProcess], short_dir: Path, ca: trustme.CA
) -> Callable[..., Remote]:
    """Start a daemon listening on TLS (``tls=False``: plaintext on loopback)."""

    def make(tls: bool = True, **tcp: Any) -> Remote:
        ca_file = short_dir / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        settings: dict[str, Any] = {"listen": "127.0.0.1:0", **tcp}
        if tls:
            cert = ca.issue_cert("127.0.0.1", "localhost")
            cert.private_key_and_cert_chain_pem.write_to_path(str(short_dir / "server.pem"))
            settings.update(tls_cert="server.pem", tls_key="server.pem")
        daemon = make_daemon({"server": {"tcp": settings}})
        with Wire(daemon.socket) as w:
            url = w.call("system.info")["tcp"]
        context = ssl.create_default_context(cafile=str(ca_file))
        return Remote(daemon, url, ca_file, context)

    return make


@pytest.fixture
def remote(make_remote: Callable[..., Remote]) -> Remote:
    """A daemon with a TLS listener and a 1 s handshake timeout."""
    return make_remote(handshake_timeout=1)
