"""The method table: each handler is registered with the fields its params must have."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sparkq_daemon.validation import Field

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    handler: Handler
    params: dict[str, Field]


METHODS: dict[str, Method] = {}


def rpc(name: str, /, **params: Field) -> Callable[[Handler], Handler]:
    """Register ``handler(ctx, **params)`` as the JSON-RPC method ``name``."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = Method(name, handler, params)
        return handler

    return register
