"""Value conversions every engine shares: JSON columns, and seconds as the protocol prints them."""

from __future__ import annotations

from typing import Any

import orjson


def decode(text: str | None) -> Any:
    """A JSON column's value (None stays None)."""
    return None if text is None else orjson.loads(text)


def encode(value: Any) -> str | None:
    """A value as a JSON column's text (None stays None)."""
    return None if value is None else orjson.dumps(value).decode()


def seconds(value: float) -> float | int:
    """A whole number of seconds prints as an integer, like the config it came from."""
    return int(value) if float(value).is_integer() else value
