"""The payload of a ``python-call`` task, checked at enqueue: ``{function: "pkg.mod:qualname",
args?: [...], kwargs?: {...}}``."""

from __future__ import annotations

import re
from typing import Any

from sparkq_daemon.errors import Validation
from sparkq_daemon.validation import show

TOOL = "python-call"
REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
MEMBERS = ("function", "args", "kwargs")


def check_payload(payload: Any) -> None:
    """Refuse a python-call payload that a runner could not call, naming the bad member."""
    if not isinstance(payload, dict):
        raise Validation(
            f"a {TOOL} payload must be an object {{function, args, kwargs}}, not {show(payload)}",
            field="payload",
        )
    function = payload.get("function")
    if not isinstance(function, str) or not REFERENCE.match(function):
        raise Validation(
            f"payload.function {show(function)} is not a reference like 'package.module:function'",
            field="payload",
        )
    if not isinstance(payload.get("args", []), list):
        raise Validation(
            f"payload.args must be a list, not {show(payload['args'])}", field="payload"
        )
    if not isinstance(payload.get("kwargs", {}), dict):
        raise Validation(
            f"payload.kwargs must be an object, not {show(payload['kwargs'])}", field="payload"
        )
    extra = sorted(set(payload) - set(MEMBERS))
    if extra:
        raise Validation(
            f"payload member {show(extra[0])} is not one of {', '.join(MEMBERS)}",
            field="payload",
        )
