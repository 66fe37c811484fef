"""Pickled calls: ``{pickle: "<base64>", sig: "<hex>"}``, the call ``(function, args,
kwargs)`` pickled with cloudpickle (so lambdas and closures travel by value) and signed with
HMAC-SHA256 under the pickle key. ``unpickle_call`` is the only place SparkQ unpickles, and
it checks the signature first: a payload changed in the database is refused, never loaded."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import pickle
from collections.abc import Callable
from typing import Any

DOMAIN = b"sparkq pickled call v1\0"  # a signature of these bytes means nothing elsewhere
MEMBERS = ("pickle", "sig")


class SignatureError(Exception):
    """A pickled call whose signature is missing or does not verify; it was not unpickled."""


def signature(data: bytes, key: bytes) -> str:
    """The hex HMAC-SHA256 of ``data`` under ``key``."""
    return hmac.new(key, DOMAIN + data, hashlib.sha256).hexdigest()


def pickle_call(function: Callable[..., Any], args: Any, kwargs: Any, key: bytes) -> dict[str, str]:
    """The signed payload of ``function(*args, **kwargs)``."""
    import cloudpickle

    data = cloudpickle.dumps((function, tuple(args or ()), dict(kwargs or {})))
    return {"pickle": base64.b64encode(data).decode("ascii"), "sig": signature(data, key)}


def verified_bytes(payload: dict[str, Any], key: bytes) -> bytes:
    """The pickle's bytes once its signature verified; ``SignatureError`` otherwise."""
    sig = payload.get("sig")
    if not isinstance(sig, str) or not sig:
        raise SignatureError("the pickled call has no signature; it was not unpickled")
    try:
        data = base64.b64decode(payload.get("pickle") or "", validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise SignatureError("the pickled call is not base64; it was not unpickled") from None
    expected = signature(data, key).encode("ascii")
    if not hmac.compare_digest(expected, sig.encode("utf-8", "replace")):
        raise SignatureError(
            "the pickled call's signature did not verify: it was changed after it was signed, "
            "or signed with another pickle key; it was not unpickled"
        )
    return data


def unpickle_call(
    payload: dict[str, Any], key: bytes
) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
    """``(function, args, kwargs)`` of a signed payload, unpickled only after its signature
    verified (``SignatureError`` before that)."""
    data = verified_bytes(payload, key)
    function, args, kwargs = pickle.loads(data)  # only ever after the signature verified
    return function, tuple(args), dict(kwargs)
