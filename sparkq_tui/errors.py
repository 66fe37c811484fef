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


class RequestTooLarge(InvalidRequestError):
    """A request longer than the protocol's line limit (``data.type`` ``TooLarge``): refused
    by the client before it is sent, or answered so by the daemon, which then closes the
    connection."""


class ValidationError(SparkQError):
    code = -32602


class InternalError(SparkQError):
    code = -32603


class UnauthorizedError(SparkQError):
    """No token, or a bad or revoked one (TCP); the daemon closes the connection."""

    code = -32001


class ForbiddenError(SparkQError):
    """The token's scope does not allow the method (TCP)."""

    code = -32003


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
        UnauthorizedError,
        ForbiddenError,
    )
}


MAX_REQUEST_BYTES = 16 * 1024 * 1024  # docs/protocol.md: a longer line is answered TooLarge


def check_request_size(size: int) -> None:
    """Raise ``RequestTooLarge`` naming the size and the limit for a request of ``size`` bytes
    (its newline excluded) that the daemon would refuse."""
    if size > MAX_REQUEST_BYTES:
        raise RequestTooLarge(
            f"the request is {size} bytes ({size / 2**20:.1f} MiB), over the limit of "
            f"{MAX_REQUEST_BYTES} bytes (16 MiB); it was not sent",
            data={"type": "TooLarge", "bytes": size, "limit": MAX_REQUEST_BYTES},
        )


def error_from_wire(error: dict[str, Any]) -> SparkQError:
    """Build the typed exception for a JSON-RPC ``error`` member."""
    code = error.get("code", -32603)
    cls = _BY_CODE.get(code, SparkQError)
    data = error.get("data")
    if cls is InvalidRequestError and isinstance(data, dict) and data.get("type") == "TooLarge":
        cls = RequestTooLarge
    return cls(str(error.get("message", "unknown error")), code, error.get("data"))
