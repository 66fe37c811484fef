"""Declarative checks of a method's ``params``: each field names its kind, and a failure
raises ``Validation`` with a sentence that names the field and the bad value."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sparkq_daemon.errors import Validation

NAME_RE = re.compile(r"^[A-Za-z0-9 _.\-]{1,128}$")  # the ASCII names: the fast path
NAME_MAX = 128
NAME_PUNCTUATION = frozenset(" _.-")
MISSING: Any = object()


def show(value: Any, limit: int = 60) -> str:
    """A short printable rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_name(value: str) -> bool:
    """1–128 letters or digits of any script (with their combining marks), spaces, ``_``,
    ``-`` or ``.``; not only spaces."""
    if value.isascii():
        return bool(NAME_RE.match(value)) and bool(value.strip())
    if len(value) > NAME_MAX or not value.strip():
        return False
    return all(
        c.isalnum() or c in NAME_PUNCTUATION or unicodedata.category(c).startswith("M")
        for c in value
    )


def check_name(value: Any, field: str = "name") -> str:
    """A valid name (``is_name``), composed (NFC) so that names that look alike are equal."""
    if not isinstance(value, str):
        raise Validation(f"{field} must be a string, not {show(value)}", field=field)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if not is_name(value):
        raise Validation(
            f"{field} {show(value)} is not a valid name: use 1–128 letters (any script), "
            "digits, spaces, '_', '-' or '.' (not only spaces)",
            field=field,
        )
    return value


def _string(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Validation(f"{field} must be a string, not {show(value)}", field=field)
    return value


def _ref(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 256:
        raise Validation(f"{field} must be a name or id, not {show(value)}", field=field)
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Validation(f"{field} must be an integer, not {show(value)}", field=field)
    if not -(2**63) <= value < 2**63:
        raise Validation(f"{field} {value} is out of range", field=field)
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Validation(f"{field} must be a number, not {show(value)}", field=field)
    return value


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Validation(f"{field} must be true or false, not {show(value)}", field=field)
    return value


def _any(value: Any, field: str) -> Any:
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise Validation(f"{field} must be an array, not {show(value)}", field=field)
    return value


KINDS: dict[str, Callable[[Any, str], Any]] = {
    "name": check_name,
    "str": _string,
    "ref": _ref,
    "int": _int,
    "number": _number,
    "bool": _bool,
    "any": _any,
    "list": _list,
}


@dataclass(frozen=True, slots=True)
class Field:
    """One parameter: its kind, whether it is required, its default and extra bounds."""

    kind: str
    required: bool = False
    default: Any = MISSING
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    nullable: bool = True

    def check(self, value: Any, field: str) -> Any:
        if value is None and self.nullable and not self.required:
            return None if self.default is MISSING else self.default
        value = KINDS[self.kind](value, field)
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(map(str, self.choices))
            raise Validation(f"{field} {show(value)} is not one of: {allowed}", field=field)
        if self.min is not None and value < self.min:
            raise Validation(
                f"{field} {show(value)} is below the minimum {self.min:g}", field=field
            )
        if self.max is not None and value > self.max:
            raise Validation(
                f"{field} {show(value)} is above the maximum {self.max:g}", field=field
            )
        return value


def required(kind: str, **bounds: Any) -> Field:
    return Field(kind, required=True, **bounds)


def optional(kind: str, default: Any = MISSING, **bounds: Any) -> Field:
    return Field(kind, default=default, **bounds)


def check_params(spec: dict[str, Field], params: dict[str, Any]) -> dict[str, Any]:
    """Validate ``params`` against ``spec``; return keyword arguments for the handler."""
    unknown = params.keys() - spec.keys()
    if unknown:
        unknown = sorted(unknown)
        allowed = ", ".join(spec) or "none"
        raise Validation(
            f"unknown parameter {show(unknown[0])} (accepted: {allowed})", field=unknown[0]
        )
    out: dict[str, Any] = {}
    for field, rule in spec.items():
        if field in params:
            out[field] = rule.check(params[field], field)
        elif rule.required:
            raise Validation(f"missing required parameter {field!r}", field=field)
        elif rule.default is not MISSING:
            out[field] = rule.default
    return out


def check_choices(values: Iterable[Any], allowed: Iterable[Any], field: str) -> None:
    allowed = tuple(allowed)
    for value in values:
        if value not in allowed:
            raise Validation(
                f"{field} {show(value)} is not one of: {', '.join(map(str, allowed))}", field=field
            )
