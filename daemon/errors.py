"""Domain errors raised by the method and store layers, and their JSON-RPC codes.

They are mapped to the wire in one place (``jsonrpc.error_object``)."""

from __future__ import annotations

from typing import Any


class RpcError(Exception):
    """An error with a JSON-RPC code, a one-sentence message and ``data`` members."""

    code = -32603
    type_name = "Internal"

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def to_wire(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "data": {"type": self.type_name, **self.data},
        }


class ParseError(RpcError):
    code, type_name = -32700, "ParseError"


class InvalidRequest(RpcError):
    code, type_name = -32600, "InvalidRequest"


class TooLarge(RpcError):
    code, type_name = -32600, "TooLarge"


class MethodNotFound(RpcError):
    code, type_name = -32601, "MethodNotFound"


class Validation(RpcError):
    code, type_name = -32602, "Validation"


class NotFound(RpcError):
    code, type_name = -32004, "NotFound"


class Conflict(RpcError):
    code, type_name = -32009, "Conflict"


class Internal(RpcError):
    code, type_name = -32603, "Internal"


class Unauthorized(RpcError):
    """No ``auth.hello`` yet on TCP, or a bad or revoked token: the connection closes."""

    code, type_name = -32001, "Unauthorized"


class Forbidden(RpcError):
    """The token's scope does not allow the method; the connection stays open."""

    code, type_name = -32003, "Forbidden"
