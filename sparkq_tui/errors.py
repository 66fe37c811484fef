"""Typed errors raised by the SparkQ clients, one per JSON-RPC error code of docs/protocol.md."""

from __future__ import annotations

from typing import Any


class SparkQError(Exception):
    """An error answered by the daemon. ``code``, ``message`` and ``data`` are the wire's."""

    code = 0

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data = data or {}


class ParseError(SparkQError):
    code = -32700


class InvalidRequestError(SparkQError):
    code = -32600


class MethodNotFoundError(SparkQError):
    code = -32601


class ValidationError(SparkQError):
    code = -32602


class InternalError(SparkQError):
    code = -32603


class NotFoundError(SparkQError):
    code = -32004


class ConflictError(SparkQError):
    code = -32009


class DaemonUnavailable(SparkQError):
    """No daemon answers on the socket, or the connection was lost mid-call."""

    code = -1


_BY_CODE = {
    cls.code: cls
    for cls in (
        ParseError,
        InvalidRequestError,
        MethodNotFoundError,
        ValidationError,
        InternalError,
        NotFoundError,
        ConflictError,
    )
}


def error_from_wire(error: dict[str, Any]) -> SparkQError:
    """Build the typed exception for a JSON-RPC ``error`` member."""
    code = error.get("code", -32603)
    cls = _BY_CODE.get(code, SparkQError)
    return cls(str(error.get("message", "unknown error")), code, error.get("data"))
