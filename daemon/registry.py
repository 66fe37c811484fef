"""The method table: each handler is registered with the fields its params must have."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sparkq_daemon.validation import MISSING, Field

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    handler: Handler
    params: dict[str, Field]

    @property
    def description(self) -> str:
        """The first paragraph of the handler's docstring, on one line ("" without one)."""
        doc = (self.handler.__doc__ or "").strip().split("\n\n")[0]
        return " ".join(doc.split())

    def describe(self) -> dict[str, Any]:
        """The method as ``system.methods`` lists it: name, description and params."""
        return {
            "name": self.name,
            "description": self.description,
            "params": [describe_field(name, field) for name, field in self.params.items()],
        }


def describe_field(name: str, field: Field) -> dict[str, Any]:
    """One parameter: its name, kind (``name``, ``str``, ``ref``, ``int``, ``number``,
    ``bool``, ``any``, ``list``), whether it is required, and its default and bounds if any."""
    out: dict[str, Any] = {"name": name, "type": field.kind, "required": field.required}
    if field.default is not MISSING:
        out["default"] = list(field.default) if isinstance(field.default, tuple) else field.default
    for bound in ("min", "max"):
        if getattr(field, bound) is not None:
            out[bound] = getattr(field, bound)
    if field.choices is not None:
        out["choices"] = list(field.choices)
    return out


METHODS: dict[str, Method] = {}


def rpc(name: str, /, **params: Field) -> Callable[[Handler], Handler]:
    """Register ``handler(ctx, **params)`` as the JSON-RPC method ``name``."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = Method(name, handler, params)
        return handler

    return register
