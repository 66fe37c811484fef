"""The payload of a ``python-call`` task, checked at enqueue: ``{function: "pkg.mod:qualname",
args?: [...], kwargs?: {...}}``; and of a tool with ``pickle: true``, which takes that or a
signed pickled call ``{pickle: "<base64>", sig: "<hex HMAC-SHA256>"}``. The daemon checks the
shape only: the signature is checked by the runner, which holds the key."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from sparkq_daemon.errors import Validation
from sparkq_daemon.validation import show

TOOL = "python-call"
REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
MEMBERS = ("function", "args", "kwargs")
PICKLE_MEMBERS = ("pickle", "sig")
SIGNATURE = re.compile(r"^[0-9a-f]{64}$")


def check_tool_payload(tool: str, pickles: bool, payload: Any) -> None:
    """Check the payload of a task of ``tool``: a python-call payload for ``python-call``; for a
    tool with ``pickle: true`` (``pickles``) that or a signed pickled call."""
    if pickles and isinstance(payload, dict) and "pickle" in payload:
        check_pickle_payload(payload)
    elif pickles or tool == TOOL:
        if isinstance(payload, dict) and "pickle" in payload:
            raise Validation(
                f"tool {tool} takes JSON calls only, not a pickled call: enqueue it on a tool "
                "with `pickle: true` (tools.NAME.pickle in sparkq.yml, or tool.upsert "
                "pickle=true)",
                field="payload",
            )
        check_payload(payload)


def check_pickle_payload(payload: dict[str, Any]) -> None:
    """Refuse a pickled call that is not ``{pickle: base64, sig: 64 hex digits}``."""
    encoded = payload.get("pickle")
    try:
        base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
    except (binascii.Error, ValueError):
        encoded = None
    if not isinstance(encoded, str) or not encoded:
        raise Validation(
            f"payload.pickle {show(payload.get('pickle'))} is not base64 text", field="payload"
        )
    sig = payload.get("sig")
    if not isinstance(sig, str) or not SIGNATURE.match(sig):
        raise Validation(
            f"payload.sig {show(sig)} is not an HMAC-SHA256 signature (64 hex digits)",
            field="payload",
        )
    extra = sorted(set(payload) - set(PICKLE_MEMBERS))
    if extra:
        raise Validation(
            f"payload member {show(extra[0])} is not one of {', '.join(PICKLE_MEMBERS)}",
            field="payload",
        )


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
