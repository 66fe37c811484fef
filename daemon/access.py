"""What one connection may do: its token's scope on TCP, ``admin`` on the Unix socket.

Secrets are never kept: a token is stored as the SHA-256 digest of its secret, and a
presented secret is digested and compared in constant time."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable

from sparkq_daemon.errors import Forbidden, Unauthorized
from sparkq_daemon.scopes import allows, required_scope

log = logging.getLogger("sparkq.auth")
HELLO = "auth.hello"


def new_secret() -> str:
    """A fresh token secret (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 digest (hex) under which a secret is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Access:
    """A connection's standing: ``scope`` is None until ``auth.hello`` succeeds on TCP."""

    def __init__(
        self,
        peer: str,
        scope: str | None = None,
        *,
        on_grant: Callable[[], None] | None = None,
    ) -> None:
        self.peer = peer
        self.scope = scope
        self.token_name: str | None = None
        self.revoked = False
        self.granted = False  # auth.hello succeeded once (the listener's count of waiting ones)
        self._on_grant = on_grant

    @property
    def remote(self) -> bool:
        """True on TCP: every request needs a token there."""
        return self.peer != "unix"

    @property
    def authenticated(self) -> bool:
        return self.scope is not None and not self.revoked

    def grant(self, token_name: str, scope: str) -> None:
        """``auth.hello`` succeeded with the token ``token_name``."""
        self.token_name, self.scope = token_name, scope
        self.granted = True
        if self._on_grant is not None:
            callback, self._on_grant = self._on_grant, None
            callback()

    def refuse(self, reason: str) -> Unauthorized:
        """Log a refused authentication (never the secret) and return the error to raise;
        the connection loses its scope and closes after the reply."""
        name = f" (token {self.token_name!r})" if self.token_name else ""
        self.scope = None
        log.warning("refused authentication from %s%s: %s", self.peer, name, reason)
        return Unauthorized(f"unauthorized: {reason}; the connection is closed")

    def check(self, method: str) -> None:
        """Raise ``Unauthorized`` / ``Forbidden`` when this connection may not call ``method``."""
        if method == HELLO:
            return
        if self.revoked:
            raise self.refuse(f"the token {self.token_name!r} was revoked")
        if self.scope is None:
            raise self.refuse(f"{method} before auth.hello")
        if not allows(self.scope, method):
            raise Forbidden(
                f"the token's scope {self.scope!r} does not allow {method} "
                f"(it needs {required_scope(method)!r})",
                method=method,
                scope=self.scope,
            )
