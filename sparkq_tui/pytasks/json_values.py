"""The JSON a python-call task may carry: its arguments and its return value.

Checked strictly rather than converted: a tuple would come back as a list, a datetime or a
set not at all, so anything but None, bool, int, float (finite), str, list, tuple and dict
with str keys is refused with the path of the first bad value."""

from __future__ import annotations

import math
from typing import Any

ALLOWED = "None, bool, int, float, str, list, tuple or dict with str keys"


class NotJSONError(TypeError):
    """A value that cannot travel as JSON; the message names where it is and what it is."""


def check_json(value: Any, where: str) -> None:
    """Raise ``NotJSONError`` naming ``where`` (like ``kwargs['when']``) for a non-JSON value."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJSONError(f"{where} is {value!r}, which JSON cannot hold")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJSONError(f"{where} has the key {key!r}: JSON keys must be str")
            check_json(item, f"{where}[{key!r}]")
        return
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    raise NotJSONError(
        f"{where} is {shown} ({type(value).__name__}), which is not JSON: pass {ALLOWED}"
    )
