"""``server.tcp`` in sparkq.yml: the TCP listener's address, TLS files and limits.

Plaintext is allowed only on a loopback address unless ``allow_plaintext: true``: a token
sent in clear over a network is a token given away."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEYS = (
    "listen",
    "tls_cert",
    "tls_key",
    "allow_plaintext",
    "max_unauthenticated",
    "handshake_timeout",
)
DEFAULT_MAX_UNAUTHENTICATED = 64
DEFAULT_HANDSHAKE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class TcpSettings:
    """The resolved listener settings."""

    host: str
    port: int
    tls_cert: Path | None = None
    tls_key: Path | None = None
    allow_plaintext: bool = False
    max_unauthenticated: int = DEFAULT_MAX_UNAUTHENTICATED
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'tls' if self.tls else 'tcp'}://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) as (host, port); ValueError naming the problem."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host:
        raise ValueError(f'expected "HOST:PORT", got {value!r}')
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"expected a port from 0 to 65535 in {value!r}")
    return host, int(port_text)


def parse_tcp(raw: dict[str, Any], resolve: Any) -> TcpSettings:
    """Check ``server.tcp``; raise ``ValueError("<key>: <problem>")`` for a bad value.
    ``resolve`` turns a path from the file into an absolute one."""
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown key (known: {', '.join(KEYS)})")
    listen = raw.get("listen")
    if not isinstance(listen, str):
        raise ValueError(f'listen: expected "HOST:PORT", got {listen!r}')
    try:
        host, port = split_listen(listen)
    except ValueError as exc:
        raise ValueError(f"listen: {exc}") from None
    files: dict[str, Path | None] = {}
    for key in ("tls_cert", "tls_key"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key}: expected a file path, got {value!r}")
        files[key] = resolve(value) if value else None
        if files[key] is not None and not files[key].is_file():
            raise ValueError(f"{key}: no such file {files[key]}")
    if (files["tls_cert"] is None) != (files["tls_key"] is None):
        missing = "tls_key" if files["tls_key"] is None else "tls_cert"
        raise ValueError(f"{missing}: TLS needs both tls_cert and tls_key")
    allow = raw.get("allow_plaintext", False)
    if not isinstance(allow, bool):
        raise ValueError(f"allow_plaintext: expected true or false, got {allow!r}")
    if files["tls_cert"] is None and not allow and not is_loopback(host):
        raise ValueError(
            f"allow_plaintext: listening on {host!r} (not loopback) without TLS would send "
            "tokens in clear; set tls_cert and tls_key, or allow_plaintext: true"
        )
    cap = raw.get("max_unauthenticated", DEFAULT_MAX_UNAUTHENTICATED)
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError(f"max_unauthenticated: expected an integer ≥ 1, got {cap!r}")
    timeout = raw.get("handshake_timeout", DEFAULT_HANDSHAKE_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"handshake_timeout: expected seconds > 0, got {timeout!r}")
    return TcpSettings(host, port, files["tls_cert"], files["tls_key"], allow, cap, float(timeout))


def server_ssl_context(settings: TcpSettings) -> ssl.SSLContext | None:
    """The listener's TLS context (TLS 1.2 at least), or None for plaintext.
    Raises ``ssl.SSLError`` / ``OSError`` for files that do not hold a certificate and key."""
    if not settings.tls:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(settings.tls_cert), str(settings.tls_key))
    return ctx
