"""What a webhook is: an http(s) URL, event type patterns, an optional queue, a Standard
Webhooks secret; which events it matches; the JSON body a delivery posts."""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

import orjson
from standardwebhooks import Webhook

from sparkq_daemon.errors import Validation
from sparkq_daemon.validation import show

URL_MAX = 2048
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64 random bytes
# ``*`` (everything), ``topic.*`` (a whole topic) or one event type (``task.failed``).
EVENT_PATTERN = re.compile(r"^(\*|[a-z_]+\.\*|[a-z_]+(\.[a-z_]+)+)$")
EVENTS_MAX = 64
UNMATCHED_TOPICS = frozenset({"webhook"})  # a webhook's own changes are never delivered


def check_url(value: Any) -> str:
    """An absolute http:// or https:// URL with a host (loopback and private hosts too)."""
    if not isinstance(value, str):
        raise Validation(f"url must be a string, not {show(value)}", field="url")
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or len(value) > URL_MAX
        or any(c.isspace() for c in value)
    ):
        raise Validation(
            f"url {show(value)} is not an http:// or https:// URL with a host", field="url"
        )
    return value


def check_events(value: Any) -> list[str] | None:
    """Event type patterns (None or empty: every event)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > EVENTS_MAX:
        raise Validation(
            f"events must be an array of at most {EVENTS_MAX} event types, not {show(value)}",
            field="events",
        )
    for pattern in value:
        if not isinstance(pattern, str) or not EVENT_PATTERN.match(pattern):
            raise Validation(
                f"events: {show(pattern)} is not an event type pattern "
                "(e.g. task.failed, task.*, *)",
                field="events",
            )
    return list(dict.fromkeys(value)) or None


def check_secret(value: Any) -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 24 to 64 bytes."""
    problem = f"secret must be 'whsec_' followed by base64 of 24–64 bytes, not {show(value)}"
    if not isinstance(value, str) or not value.startswith(SECRET_PREFIX):
        raise Validation(problem, field="secret")
    try:
        raw = base64.b64decode(value[len(SECRET_PREFIX) :], validate=True)
        Webhook(value)
    except ValueError:
        raise Validation(problem, field="secret") from None
    if not 24 <= len(raw) <= 64:
        raise Validation(problem, field="secret")
    return value


def new_secret() -> str:
    """A fresh secret in the Standard Webhooks form (``whsec_`` + base64 of 32 bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def type_matches(patterns: list[str] | None, type_: str) -> bool:
    if not patterns:
        return True
    for p in patterns:
        if p == "*" or p == type_ or (p.endswith(".*") and type_.startswith(p[:-1])):
            return True
    return False


def matches(patterns: list[str] | None, queue_id: str | None, event: dict[str, Any]) -> bool:
    """Whether a webhook with these ``patterns`` and ``queue_id`` takes ``event``. The SQL
    twin is ``sparkq_webhook_outbox`` in the PostgreSQL schema."""
    if event.get("topic") in UNMATCHED_TOPICS:
        return False
    if queue_id is not None:
        own = event.get("queue_id") or (event.get("id") if event.get("topic") == "queue" else None)
        if own != queue_id:
            return False
    return type_matches(patterns, event["type"])


def body(event: dict[str, Any]) -> str:
    """The JSON a delivery posts, in the Standard Webhooks shape: ``{type, timestamp, data}``."""
    return orjson.dumps({"type": event["type"], "timestamp": event["at"], "data": event}).decode()
